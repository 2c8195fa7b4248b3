"""矛盾纠纷排查 and 零上报: the village committees' monthly screening reports."""
