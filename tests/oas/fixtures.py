"""Small hand-written specs for the OpenAPI core's tests."""

from __future__ import annotations

from typing import Any

PETS: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "pets", "version": "1"},
    "servers": [{"url": "https://api.example.com/v1"}],
    "paths": {
        "/pets": {
            "get": {"responses": {"200": {"$ref": "#/components/responses/PetList"}}},
            "post": {
                "requestBody": {"$ref": "#/components/requestBodies/NewPet"},
                "responses": {
                    "201": {
                        "description": "made",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}},
                    },
                    "4XX": {
                        "description": "bad",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                    "default": {"description": "other"},
                },
            },
        },
        "/pets/{id}": {"$ref": "#/components/pathItems/OnePet"},
        "/pets/mine": {"get": {"responses": {"200": {"description": "mine"}}}},
    },
    "components": {
        "pathItems": {"OnePet": {"get": {"operationId": "getPet", "responses": {"200": {"description": "one"}}}}},
        "requestBodies": {
            "NewPet": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}},
            }
        },
        "responses": {
            "PetList": {
                "description": "pets",
                "content": {
                    "application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}}}
                },
            }
        },
        "schemas": {
            "Pet": {
                "type": "object",
                "required": ["name", "kind"],
                "properties": {
                    "name": {"type": "string", "maxLength": 10},
                    "kind": {"$ref": "#/components/schemas/Kind"},
                    "owner": {"allOf": [{"$ref": "#/components/schemas/Owner"}], "nullable": True},
                    "age": {"type": "integer", "nullable": True},
                },
            },
            "Kind": {"type": "string", "enum": ["cat", "dog"]},
            "Owner": {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}},
            "Error": {"type": "object", "properties": {"message": {"type": "string"}}},
            "Tree": {
                "type": "object",
                "properties": {"children": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}}},
            },
            "Loop": {"$ref": "#/components/schemas/Loop2"},
            "Loop2": {"$ref": "#/components/schemas/Loop"},
            "Broken": {"$ref": "#/components/schemas/Nowhere"},
            "Remote": {"$ref": "other.yaml#/Pet"},
            "Slash/Name": {"type": "string"},
        },
    },
}
