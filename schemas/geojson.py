"""GeoJSON (RFC 7946) of the events export: a FeatureCollection, one Feature per event."""

from marshmallow import Schema, fields, validate

from .resources import Event


class GeoJSONPoint(Schema):
    type = fields.String(required=True, validate=validate.Equal("Point"))
    coordinates = fields.List(
        fields.Float(),
        required=True,
        validate=validate.Length(equal=2),
        metadata={"description": "[longitude, latitude], WGS84 degrees: GeoJSON's order, not lat/lon."},
    )


class EventFeature(Schema):
    type = fields.String(required=True, validate=validate.Equal("Feature"))
    id = fields.String(required=True, metadata={"description": "The event id."})
    geometry = fields.Nested(
        GeoJSONPoint,
        required=True,
        allow_none=True,
        metadata={"description": "The event's `location` as a point; null when the event has no location."},
    )
    properties = fields.Nested(
        Event, required=True, metadata={"description": "The event, exactly as `GET /events/{event_id}` serves it."}
    )


class EventFeatureCollection(Schema):
    type = fields.String(required=True, validate=validate.Equal("FeatureCollection"))
    features = fields.List(
        fields.Nested(EventFeature),
        required=True,
        metadata={"description": "Every event the filters select, in the order of the list."},
    )
