"""The same commands over the SOAP API: its status words, its limits, its reference field."""

from __future__ import annotations

import pytest


@pytest.fixture
def hub(soap):
    soap.add_interconnect(88001, 123456, 111111)
    soap.add_interconnect(88002, 123456, 334455, status="Suspended")
    soap.add_interconnect(88003, 445566, 123456, status="Development")
    soap.add_interconnect(88004, 123456, 500001, status="Terminated")
    soap.add_interconnect(88005, 123456, 500002, status="Problem")
    return soap


def test_list_shows_statuses_in_soap_words(cli, hub):
    result = cli("partners", "list", "123456")
    assert result.code == 0, result.err
    assert [line.split("\t")[3] for line in result.out_lines] == [
        "Completed",
        "Delayed",
        "Pending",
        "Canceled",
        "Problem",
    ]


def test_list_on_a_terminal_in_soap_words(cli, hub):
    result = cli("partners", "list", "123456", tty=True)
    assert result.screen == [
        "INTERCONNECT   FROM     TO       STATUS      CREATED",
        "─" * 65,
        "88001          123456   111111   Completed   2026-05-07T11:00:00Z",
        "88002          123456   334455   Delayed     2026-05-07T11:00:00Z",
        "88003          445566   123456   Pending     2026-05-07T11:00:00Z",
        "88004          123456   500001   Canceled    2026-05-07T11:00:00Z",
        "88005          123456   500002   Problem     2026-05-07T11:00:00Z",
    ]


@pytest.mark.parametrize(
    ("given", "sent", "shown"),
    [
        ("suspended", "Delayed", 88002),
        ("Delayed", "Delayed", 88002),
        ("active", "Completed", 88001),
        ("terminated", "Canceled", 88004),
        ("problem", "Problem", 88005),
    ],
)
def test_status_filter_in_either_vocabulary_is_sent_in_soap_words(cli, hub, given, sent, shown):
    result = cli("partners", "list", "123456", "--status", given, "--json")
    assert result.code == 0, result.err
    assert hub.called("list_interconnects")[0].kwargs["status"] == sent
    assert [ic["interconnectId"] for ic in result.json()] == [shown]


def test_problem_has_no_rest_word_and_is_refused_over_rest_before_sending(cli, backend):
    result = cli("partners", "list", "123456", "--status", "problem")
    assert backend.calls == []
    assert result.code == 2
    assert result.err.startswith("error: invalid --status 'problem': the REST API has no such")


def test_get_in_soap_words(cli, hub):
    result = cli("partners", "get", "88002", "--json")
    assert result.json()["status"] == "Delayed"


def test_count_json_names_the_soap_status(cli, hub):
    result = cli("partners", "count", "123456", "--status", "Active", "--json")
    assert result.json() == {"ecGridId": 123456, "status": "Completed", "count": 1}


def test_count_without_an_id_counts_the_sessions_mailbox(cli, hub):
    result = cli("partners", "count", "--json")
    assert result.code == 0, result.err
    assert result.json() == {"ecGridId": None, "status": None, "count": 5}
    assert hub.called("count_interconnects")[0].args == (None,)


def test_ids_show_soap_id_words(cli, soap):
    soap.add_id(700010, "ZZ", "DEVCO", "Dev Co", status="Development")
    result = cli("ids", "get", "700010")
    assert "Status\tPending\n" in result.out


def test_create_defaults_to_completed(cli, soap):
    result = cli("partners", "create", "--from", "111111", "--to", "334455", "--json")
    assert result.code == 0, result.err
    assert result.json()["status"] == "Completed"
    assert soap.writes("create_interconnect")[0].kwargs["status"] is None


def test_create_in_development_is_pending(cli, soap):
    result = cli(
        "partners", "create", "--from", "111111", "--to", "334455", "--status", "development"
    )
    assert result.code == 0, result.err
    assert soap.writes("create_interconnect")[0].kwargs["status"] == "Pending"
    assert "Status\tPending\n" in result.out


def test_create_in_a_status_soap_cannot_create_is_refused(cli, soap):
    result = cli(
        "partners", "create", "--from", "111111", "--to", "334455", "--status", "Suspended"
    )
    assert result.code == 2
    assert result.err == (
        "error: the SOAP API cannot create an interconnect in status Delayed (Suspended): "
        "choose one of Completed (Active), Pending (Development)\n"
    )
    assert soap.writes() == []


def test_a_lost_create_answer_is_proven_ours_by_the_reference(cli, soap):
    """SOAP stores the create's token in Reference, so a reconciled create is confirmed."""
    soap.lose_answer("create_interconnect")
    result = cli("partners", "create", "--from", "111111", "--to", "334455", "--json")
    assert result.code == 0, result.err
    assert result.json()["interconnectId"] == 88200
    assert len(soap.writes("create_interconnect")) == 1


def test_setup_with_a_lost_answer_is_created_not_unconfirmed(cli, soap):
    soap.lose_answer("create_interconnect")
    result = cli(
        "interconnect", "setup", "-q", "01", "-i", "PARTNERCO", "--from", "111111", "--json"
    )
    assert result.code == 0, result.err
    assert (result.json()["created"], result.json()["outcome"]) == (True, "created")
    assert result.json()["interconnect"]["status"] == "Completed"


def test_check_in_soap_words(cli, hub):
    healthy = cli("interconnect", "check", "88001")
    assert healthy.code == 0, healthy.err
    assert healthy.out_lines[0] == "status\tpass\tinterconnect is Completed"
    unhealthy = cli("interconnect", "check", "88002")
    assert unhealthy.code == 8
    assert unhealthy.out_lines[0] == "status\tFAIL\tinterconnect is Delayed, not routing"


def test_bulk_row_statuses_are_translated(cli, soap, tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("qualifier,id,status\n01,PARTNERCO,development\n12,5551234567,\n")
    result = cli("interconnect", "setup", "--file", str(path), "--from", "111111", "--json")
    assert result.code == 0, result.err
    sent = sorted(
        (call.args[1], call.kwargs["status"]) for call in soap.writes("create_interconnect")
    )
    assert sent == [(334455, "Pending"), (445566, None)]


def test_auth_status_names_the_soap_api(cli, soap):
    result = cli("auth", "status", "--json")
    assert result.code == 0, result.err
    document = result.json()
    assert (document["api"], document["apiVersion"]) == ("soap", "4.1")
    assert document["baseUrl"] == "https://os.ecgrid.io/v4.1/prod/ECGridOS.asmx"


def test_global_api_flag_chooses_soap(cli, backend):
    backend.api = "soap"
    backend.add_interconnect(88001, 111111, 334455)
    result = cli("--api", "soap", "partners", "get", "88001")
    assert result.code == 0, result.err
    assert "Status\tCompleted\n" in result.out
