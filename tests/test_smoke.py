def test_login_and_queue(client, users, login, make_case):
    case = make_case()
    login(users["supervisor"])
    r = client.get("/cases/")
    assert r.status_code == 200
    assert case.reference in r.get_data(as_text=True)
    r = client.get(f"/cases/{case.reference}")
    assert r.status_code == 200
