"""The team view: per rep and audience, what a manager coaches on."""

from __future__ import annotations

from marshmallow import Schema, fields

from schedules.contacts.relationship import STAGES


class TeamQuerySchema(Schema):
    start = fields.String(
        data_key="from",
        metadata={
            "description": "ISO 8601 date or date-time; without offset, the workspace's clock. "
            "Default: the start of the current quarter."
        },
    )
    end = fields.String(
        data_key="to",
        metadata={
            "description": "Exclusive, at most a year after from. Default: the end of the "
            "current quarter."
        },
    )


StagesSchema = Schema.from_dict(
    {stage: fields.Integer() for stage in STAGES}, name="ContactStagesSchema"
)


class FiguresSchema(Schema):
    gives = fields.Integer(metadata={"description": "Value posts scheduled or published."})
    asks = fields.Integer(metadata={"description": "Asks scheduled or published."})
    slots_filled = fields.Integer(metadata={"description": "Cadence slots the rep's gives fill."})
    slots_open = fields.Integer(metadata={"description": "Cadence slots still empty."})
    refused_asks = fields.Integer(
        metadata={
            "description": "Asks the give-before-ask rule or the relationship guard "
            "refused the rep in the window."
        }
    )
    contacts = fields.Nested(
        StagesSchema, metadata={"description": "The rep's contacts by stage now."}
    )


class AudienceFiguresSchema(FiguresSchema):
    audience_id = fields.Integer()
    audience_name = fields.String()
    next_open_slot = fields.DateTime(
        allow_none=True,
        metadata={"description": "The rep's first empty slot from now (within a year)."},
    )
    earliest_allowed_ask_at = fields.DateTime(
        attribute="earliest_ask_at",
        allow_none=True,
        metadata={"description": "When a new ask of the rep's would pass, as /ratio says."},
    )


class RepFiguresSchema(Schema):
    user_id = fields.Function(lambda rep: rep.user.id)
    email = fields.Function(lambda rep: rep.user.email)
    name = fields.String()
    role = fields.Function(lambda rep: rep.user.role)
    deactivated = fields.Boolean(
        metadata={"description": "Shown only because they own posts in the window."}
    )
    totals = fields.Nested(FiguresSchema)
    audiences = fields.List(fields.Nested(AudienceFiguresSchema))


class NeedsHelpSchema(Schema):
    user_id = fields.Function(lambda item: item[0].id)
    sentence = fields.Function(lambda item: item[1])


class TeamSchema(Schema):
    start = fields.DateTime(data_key="from")
    end = fields.DateTime(data_key="to")
    timezone = fields.String(metadata={"description": "The workspace's clock."})
    needs_help = fields.List(
        fields.Nested(NeedsHelpSchema),
        metadata={
            "description": "Reps with open slots or refused asks, in a sentence each, most in "
            "need first: the most refused asks, then the most open slots, then by name."
        },
    )
    reps = fields.List(fields.Nested(RepFiguresSchema))
