"""The REST v2 backend: one method per operation of :class:`~ecgrid_cli.api.backend.Backend`.

Paths and bodies are in API-NOTES.md. Where the vendor documents more than one form
(finding an ID, creating one, the login body) the backend probes once and remembers
what the server speaks (:mod:`ecgrid_cli.api.rest.server_facts`).
"""

from __future__ import annotations

from collections.abc import Iterator

from ecgrid_cli.api.backend import Capabilities, NewId, Reconcile
from ecgrid_cli.api.models import EcgridId, Interconnect, InterconnectNote, LoginGrant, Parcel, User
from ecgrid_cli.api.rest import parsing
from ecgrid_cli.api.rest.find_forms import (
    CREATE_ID_FORMS,
    FIND_FORMS,
    FIND_PATH,
    FORMS_BY_NAME,
    NOT_THIS_FORM_STATUSES,
    FindForm,
    create_id_body,
)
from ecgrid_cli.api.rest.server_facts import ServerFacts
from ecgrid_cli.api.rest.transport import RestTransport
from ecgrid_cli.errors import (
    ApiError,
    AuthError,
    EcgridError,
    InvalidResponseError,
    NotFoundError,
)
from ecgrid_cli.statuses import REST, STATUSES

# The largest page the API allows (API-NOTES: "maximum 500 on most lists").
MAX_PAGE_SIZE = 500


class RestBackend:
    api = REST
    capabilities = Capabilities(
        server_paging=True, initial_statuses=STATUSES[:-1], id_use_type=True, raw_paths=True
    )

    def __init__(self, transport: RestTransport, facts: ServerFacts | None = None) -> None:
        self.transport = transport
        self.base_url = transport.base_url
        self.facts = facts or ServerFacts(None)

    def close(self) -> None:
        self.transport.close()

    # -- identity ---------------------------------------------------------------------

    def version(self) -> str:
        data = self.transport.call("GET", "/v2/auth/version", authenticated=False)
        if isinstance(data, dict) and "version" in data:
            return str(data["version"])
        if isinstance(data, str | int | float):
            return str(data)
        raise InvalidResponseError("unexpected version response")

    def whoami(self) -> User:
        return self.transport.call("GET", "/v2/users/me", parse=parsing.one(User))

    def login(self, login: str, password: str) -> LoginGrant:
        """``POST /v2/auth/login``: ``{login, password}``, else the ``{email, …}`` spelling."""
        parse = parsing.one(LoginGrant)
        try:
            return self.transport.call(
                "POST",
                "/v2/auth/login",
                body={"login": login, "password": password},
                parse=parse,
                authenticated=False,
            )
        except ApiError as err:
            if err.http_status not in (400, 422):
                raise
        return self.transport.call(
            "POST",
            "/v2/auth/login",
            body={"email": login, "password": password},
            parse=parse,
            authenticated=False,
        )

    def refresh(self, token: str, refresh_token: str | None) -> LoginGrant:
        """``POST /v2/auth/refresh``: ``{token}``, else ``{refreshToken}`` (DRIFT)."""
        parse = parsing.one(LoginGrant)
        bodies = [{"token": token}]
        if refresh_token:
            bodies.append({"refreshToken": refresh_token})
        for number, body in enumerate(bodies, start=1):
            try:
                return self.transport.call(
                    "POST", "/v2/auth/refresh", body=body, parse=parse, authenticated=False
                )
            except ApiError as err:
                if number == len(bodies) or err.http_status not in (400, 401, 422):
                    raise
        raise AssertionError("unreachable")

    def logout(self) -> None:
        self.transport.call("POST", "/v2/auth/logout")

    # -- ECGrid IDs -------------------------------------------------------------------

    def find_ids(
        self, qualifier: str, isa_id: str, *, include_inactive: bool = True
    ) -> list[EcgridId]:
        """Find IDs by QID using whichever documented find form the server speaks.

        While probing, an empty answer is weak proof: a server that ignores query
        parameters it does not know answers [] to the wrong form. So an empty answer
        moves on to the next form, and is remembered only when every other form was
        refused outright. REST has no filter by status and answers every ID holding the
        QID, whatever ``include_inactive`` says (it only lets a backend leave them out).
        """
        return self._find_any_form(qualifier, isa_id)

    def _find_any_form(self, qualifier: str, isa_id: str) -> list[EcgridId]:
        base = self.base_url
        cached = FORMS_BY_NAME.get(self.facts.get(base, "find") or "")
        first_error: EcgridError | None = None
        if cached is not None:
            try:
                return self._find_with(cached, qualifier, isa_id)
            except EcgridError as err:
                if err.http_status not in NOT_THIS_FORM_STATUSES:
                    raise
                first_error = err
                self.facts.put(base, "find", None)  # the server changed; probe again
        answered_empty: list[FindForm] = []
        for form in FIND_FORMS:
            if form is cached:
                continue
            try:
                found = self._find_with(form, qualifier, isa_id)
            except EcgridError as err:
                if err.http_status not in NOT_THIS_FORM_STATUSES:
                    raise
                first_error = first_error or err
                continue
            if not found:
                answered_empty.append(form)
                continue
            self.facts.put(base, "find", form.name)
            return found
        if answered_empty:
            if len(answered_empty) == 1:
                self.facts.put(base, "find", answered_empty[0].name)
            return []
        assert first_error is not None
        raise first_error

    def _find_with(self, form: FindForm, qualifier: str, isa_id: str) -> list[EcgridId]:
        found = self.transport.call(
            form.method,
            FIND_PATH,
            parse=parsing.many(EcgridId),
            **form.request_parts(qualifier, isa_id),
        )
        # Servers may match partially ("Partial matches may be supported"): keep exact QIDs.
        return [
            item
            for item in found
            if (item.qualifier or "").upper() == qualifier.upper()
            and (item.isa_id or "").upper() == isa_id.upper()
        ]

    def get_id(self, ecgrid_id: int) -> EcgridId:
        return self.transport.call("GET", f"/v2/ids/{ecgrid_id}", parse=parsing.one(EcgridId))

    def create_id(self, new: NewId, *, reconcile: Reconcile[EcgridId]) -> EcgridId:
        """``POST /v2/ids`` in the body form the server speaks (two are documented).

        A 400 that is not DuplicateObject means the server did not take that form (a
        refused request changed nothing), so the other form is tried once.
        """
        cached = self.facts.get(self.base_url, "create-id")
        forms = [cached] if cached in CREATE_ID_FORMS else []
        forms += [form for form in CREATE_ID_FORMS if form not in forms]
        for number, form in enumerate(forms, start=1):
            network_id = new.network_id
            if form == "guide" and network_id is None:
                network_id = self.whoami().network_id
            body = create_id_body(
                form,
                mailbox_id=new.mailbox_id,
                qualifier=new.qualifier,
                isa_id=new.isa_id,
                description=new.description,
                use_type=new.use_type,
                network_id=network_id,
                routing_group=new.routing_group,
            )
            try:
                created = self.transport.call(
                    "POST",
                    "/v2/ids",
                    body=body,
                    parse=parsing.one(EcgridId),
                    write=True,
                    reconcile=reconcile,
                )
            except ApiError as err:
                refused_form = err.http_status == 400 and err.code != "DuplicateObject"
                if refused_form and number < len(forms):
                    continue
                raise
            self.facts.put(self.base_url, "create-id", form)
            return created
        raise AssertionError("unreachable")

    def tp_move(
        self, ecgrid_id: int, new_mailbox_id: int, *, reconcile: Reconcile[EcgridId]
    ) -> EcgridId:
        return self.transport.call(
            "POST",
            "/v2/ids/tp-move",
            body={"ecGridId": ecgrid_id, "newMailboxId": new_mailbox_id},
            parse=parsing.one(EcgridId),
            write=True,
            reconcile=reconcile,
        )

    # -- interconnects ("partners") ---------------------------------------------------

    def create_interconnect(
        self,
        ecgrid_id_from: int,
        ecgrid_id_to: int,
        *,
        status: str | None,
        token: str | None,
        reconcile: Reconcile[Interconnect],
    ) -> Interconnect:
        # REST v2 documents no field for a caller's reference: the token is not sent.
        body = parsing.without_none(
            ecGridIdFrom=ecgrid_id_from, ecGridIdTo=ecgrid_id_to, status=status
        )
        return self.transport.call(
            "POST",
            "/v2/partners",
            body=body,
            parse=parsing.one(Interconnect),
            write=True,
            reconcile=reconcile,
        )

    def get_interconnect(self, interconnect_id: int) -> Interconnect:
        return self.transport.call(
            "GET", f"/v2/partners/{interconnect_id}", parse=parsing.one(Interconnect)
        )

    def list_interconnects(
        self, ecgrid_id: int, *, status: str | None, page: int, per_page: int
    ) -> list[Interconnect]:
        body = parsing.without_none(
            ecGridId=ecgrid_id, status=status, pageNo=page, recordsPerPage=per_page
        )
        return self.transport.call(
            "POST", "/v2/partners/list", body=body, parse=parsing.many(Interconnect)
        )

    def iter_interconnects(
        self, ecgrid_id: int, *, status: str | None = None, per_page: int = MAX_PAGE_SIZE
    ) -> Iterator[Interconnect]:
        """Every interconnect of an ID, page after page; holds one page in memory."""
        page = 1
        previous_first: int | None = None
        while True:
            batch = self.list_interconnects(ecgrid_id, status=status, page=page, per_page=per_page)
            if not batch:
                return
            # A server that ignores pageNo would repeat page 1 forever: stop instead.
            if batch[0].interconnect_id == previous_first:
                return
            previous_first = batch[0].interconnect_id
            yield from batch
            if len(batch) < per_page:
                return
            page += 1

    def count_interconnects(self, ecgrid_id: int | None, *, status: str | None = None) -> int:
        if ecgrid_id is None:
            raise ApiError("REST counts interconnects of one ECGrid ID: give ECGRID_ID")
        body = parsing.without_none(ecGridId=ecgrid_id, status=status)
        return self.transport.call("POST", "/v2/partners/count", body=body, parse=parsing.integer)

    def interconnects_between(self, a: int, b: int) -> list[Interconnect]:
        """REST has no pair query: list the side with fewer interconnects and filter.

        A hub partner with thousands of interconnects costs one count, not thousands
        of rows; a side with none costs no list at all.
        """
        side = a
        try:
            count_a = self.count_interconnects(a)
        except NotFoundError:
            count_a = None  # a server without the count endpoint: just list our side
        if count_a == 0:
            return []
        if count_a is not None:
            try:
                count_b = self.count_interconnects(b)
            except (NotFoundError, AuthError):
                pass  # the partner's side may not be ours to read: list our own
            else:
                if count_b == 0:
                    return []
                if count_b < count_a:
                    side = b
        return [ic for ic in self.iter_interconnects(side) if ic.joins(a, b)]

    def cancel_interconnect(self, interconnect_id: int, *, reconcile: Reconcile[bool]) -> None:
        self.transport.call(
            "DELETE",
            f"/v2/partners/{interconnect_id}",
            parse=parsing.true,
            write=True,
            reconcile=reconcile,
        )

    def add_note(self, interconnect_id: int, text: str) -> None:
        self.transport.call(
            "POST",
            "/v2/partners/note",
            body={"interconnectId": interconnect_id, "note": text},
            parse=parsing.true,
            write=True,
        )

    def list_notes(self, interconnect_id: int) -> list[InterconnectNote]:
        return self.transport.call(
            "POST",
            "/v2/partners/notelist",
            body={"interconnectId": interconnect_id},
            parse=parsing.many(InterconnectNote),
        )

    # -- parcels ------------------------------------------------------------------------

    def send_test_file(self, ecgrid_id_from: int, ecgrid_id_to: int) -> int:
        # A second test parcel is harmless, so an uncertain send is simply retried.
        return self.transport.call(
            "POST",
            "/v2/parcels/send-test-file",
            body={"ecGridIdFrom": ecgrid_id_from, "ecGridIdTo": ecgrid_id_to},
            parse=parsing.integer,
        )

    def get_parcel(self, parcel_id: int) -> Parcel:
        return self.transport.call("GET", f"/v2/parcels/{parcel_id}", parse=parsing.one(Parcel))

    # -- raw access (`ecgrid api`) --------------------------------------------------------

    def raw(
        self, method: str, path: str, *, body: object = None, params=None, read: bool = False
    ) -> object:
        """Any endpoint: the envelope's data, with the same retries and errors.

        Only safe methods, and requests the caller knows to be reads (``read``: a
        paginated listing sent as a POST), are retried after an uncertain failure; a
        write whose answer was lost surfaces as an error instead of being sent twice.
        """
        write = method.upper() not in ("GET", "HEAD", "OPTIONS") and not read
        return self.transport.call(method.upper(), path, body=body, params=params, write=write)
