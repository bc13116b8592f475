"""flask-smorest's Api, documenting the errors and headers this API really sends (the document is the contract)."""
from apispec import BasePlugin
from flask_smorest import Api

TAGS = [
    {"name": "events", "description": "Events and their sessions: the public list and pages; organizers create and change them"},
    {"name": "registrations", "description": "Registering (anyone, or an invitee through their link); organizers list registrations"},
    {"name": "invitations", "description": "Organizers invite people to invite-only events, list, withdraw and resend invitations"},
    {"name": "check-in", "description": "Door staff check tickets in"},
    {"name": "attendance", "description": "Who took part, and the published list of participants"},
    {"name": "team", "description": "The event's team: its owner adds and removes colleagues by e-mail, in a role"},
    {"name": "messages", "description": "Organizers write to a filtered set of an event's people, now or at a set time"},
    {"name": "webhooks", "description": "Organizers register https URLs that receive registrations, cancellations and check-ins, signed"},
    {"name": "audit", "description": "The event's audit trail: who did what, and who downloaded whose data"},
    {"name": "surveys", "description": "The satisfaction survey after each session: results against the event's target"},
    {"name": "comments", "description": "Comments on a hearing's draft: a registrant writes one; organizers publish, hide and reply"},
    {"name": "report", "description": "The summary report of a hearing (สรุปผลการรับฟังความคิดเห็น) as PDF or DOCX"},
]


class SchemaRulesPlugin(BasePlugin):
    """Rules between fields that marshmallow cannot hand to apispec, stated in JSON Schema."""

    RULES = {
        # An e-mail, or the invitation whose e-mail applies (schemas.RegistrationIn._email_or_invite).
        "RegistrationIn": {"anyOf": [{"required": ["email"]}, {"required": ["invite"]}]},
    }

    def schema_helper(self, name, definition, **kwargs):
        return self.RULES.get(name)


class EventsvcApi(Api):
    """Every documented error is {"error": {"code", "message", "fields"}}, the shape errors.py answers with."""

    def init_app(self, app, *args, **kwargs):
        from .schemas import AwareDateTime

        # A string with a pattern: `format: date-time` would want a zone, and a time without one is Bangkok time.
        if not any(entry[0] is AwareDateTime for entry in self._fields):
            self.register_field(AwareDateTime, "string", None)
        spec_kwargs = dict(kwargs.pop("spec_kwargs", None) or {})
        spec_kwargs["extra_plugins"] = [*spec_kwargs.get("extra_plugins", ()), SchemaRulesPlugin()]
        spec_kwargs.setdefault("tags", TAGS)
        super().init_app(app, *args, spec_kwargs=spec_kwargs, **kwargs)

    def _register_responses(self):
        from .schemas import ErrorOut  # the schemas import the models, which import the extensions

        self.ERROR_SCHEMA = ErrorOut
        super()._register_responses()

    def register_blueprint(self, blp, **options):
        # In the app's context: some rules shown in the document come from its settings (stream hosts).
        with self._app.app_context():
            super().register_blueprint(blp, **options)
