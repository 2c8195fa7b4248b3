"""进度查询: a party checks the stage of their case without an account, with the reference printed
on the acknowledgement (受理回执) and the last four digits of a phone number given at intake."""
