"""Compact JSON Schemas of what STAC 1.0 / STAC API 1.0 require of the documents we serve
(our own condensed reading of the specs: required members and their types, not every
extension). Used by test_schemas.py with python3-jsonschema."""

LINK = {
    "type": "object",
    "required": ["rel", "href"],
    "properties": {
        "rel": {"type": "string", "minLength": 1},
        "href": {"type": "string", "pattern": "^https?://"},
        "type": {"type": "string"},
        "title": {"type": "string"},
        "method": {"enum": ["GET", "POST"]},
        "body": {"type": "object"},
        "merge": {"type": "boolean"},
        "headers": {"type": "object"},
    },
}

LINKS = {"type": "array", "items": LINK}

BBOX = {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 6}

DATETIME = {"type": "string",
            "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"}

GEOMETRY = {
    "type": "object",
    "required": ["type"],
    "properties": {
        "type": {"enum": ["Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
                          "MultiPolygon", "GeometryCollection"]},
        "coordinates": {"type": "array"},
        "geometries": {"type": "array"},
    },
}

ITEM = {
    "type": "object",
    "required": ["type", "stac_version", "id", "geometry", "properties", "links", "assets"],
    "properties": {
        "type": {"const": "Feature"},
        "stac_version": {"type": "string"},
        "stac_extensions": {"type": "array", "items": {"type": "string"}},
        "id": {"type": "string", "minLength": 1},
        "collection": {"type": "string"},
        "geometry": {"oneOf": [{"type": "null"}, GEOMETRY]},
        "bbox": BBOX,
        "links": LINKS,
        "assets": {"type": "object", "additionalProperties": {
            "type": "object", "required": ["href"], "properties": {"href": {"type": "string"}}}},
        "properties": {
            "type": "object",
            "required": ["datetime"],
            "properties": {"datetime": {"oneOf": [{"type": "null"}, DATETIME]},
                           "start_datetime": DATETIME, "end_datetime": DATETIME},
            # datetime null needs both start_datetime and end_datetime.
            "if": {"properties": {"datetime": {"type": "null"}}},
            "then": {"required": ["start_datetime", "end_datetime"]},
        },
    },
    # A geometry needs a bbox.
    "if": {"properties": {"geometry": {"type": "object"}}},
    "then": {"required": ["bbox"]},
}

ITEM_COLLECTION = {
    "type": "object",
    "required": ["type", "features", "links", "numberReturned"],
    "properties": {
        "type": {"const": "FeatureCollection"},
        "features": {"type": "array", "items": ITEM},
        "links": LINKS,
        "numberReturned": {"type": "integer", "minimum": 0},
        "numberMatched": {"type": "integer", "minimum": 0},
    },
}

COLLECTION = {
    "type": "object",
    "required": ["type", "stac_version", "id", "description", "license", "extent", "links"],
    "properties": {
        "type": {"const": "Collection"},
        "stac_version": {"type": "string"},
        "id": {"type": "string", "minLength": 1},
        "description": {"type": "string"},
        "license": {"type": "string"},
        "links": LINKS,
        "extent": {
            "type": "object",
            "required": ["spatial", "temporal"],
            "properties": {
                "spatial": {"type": "object", "required": ["bbox"],
                            "properties": {"bbox": {"type": "array", "minItems": 1,
                                                    "items": BBOX}}},
                "temporal": {"type": "object", "required": ["interval"],
                             "properties": {"interval": {
                                 "type": "array", "minItems": 1,
                                 "items": {"type": "array", "minItems": 2, "maxItems": 2,
                                           "items": {"oneOf": [{"type": "null"},
                                                               DATETIME]}}}}},
            },
        },
    },
}

COLLECTIONS = {
    "type": "object",
    "required": ["collections", "links"],
    "not": {"required": ["type"]},
    "properties": {"collections": {"type": "array", "items": COLLECTION}, "links": LINKS},
}

CATALOG = {
    "type": "object",
    "required": ["type", "stac_version", "id", "description", "links"],
    "properties": {
        "type": {"const": "Catalog"},
        "stac_version": {"type": "string"},
        "id": {"type": "string", "minLength": 1},
        "description": {"type": "string"},
        "links": LINKS,
        "conformsTo": {"type": "array", "items": {"type": "string", "pattern": "^https?://"}},
    },
}

LANDING = {**CATALOG, "required": CATALOG["required"] + ["conformsTo"]}

CONFORMANCE = {
    "type": "object",
    "required": ["conformsTo"],
    "properties": {"conformsTo": {"type": "array", "minItems": 1,
                                  "items": {"type": "string", "pattern": "^https?://"}}},
}

ERROR = {
    "type": "object",
    "required": ["code", "description"],
    "properties": {"code": {"type": "string", "minLength": 1},
                   "description": {"type": "string", "minLength": 1}},
}
