"""The OpenAPI 3 document of ``/api/v1`` (kept beside the views it describes)."""

from __future__ import annotations

from typing import Any

from kb.lang import LANGUAGES

_LANG = {"type": "string", "enum": list(LANGUAGES)}
# Optional JSON fields: null is the same as leaving the field out.
_NULLABLE_LANG = {"type": "string", "nullable": True, "enum": [*LANGUAGES, None]}
# A question must have a non-blank character: whitespace alone is a 400.
_QUESTION = {"type": "string", "minLength": 1, "maxLength": 500, "pattern": r"\S"}
_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        }
    },
}
_ARTICLE = {
    "type": "object",
    "required": [
        "id",
        "lang",
        "title",
        "summary",
        "html",
        "url",
        "revision",
        "content_hash",
        "updated_at",
    ],
    "properties": {
        "id": {"type": "string"},
        "lang": _LANG,
        "title": {"type": "string"},
        "summary": {"type": "string", "description": "The short answer as plain text."},
        "html": {"type": "string", "description": "The whole answer as sanitised HTML."},
        "url": {"type": "string"},
        "revision": {"type": "integer"},
        "content_hash": {"type": "string", "description": "SHA-256 of the canonical article text."},
        "updated_at": {"type": "string"},
    },
}
_CANDIDATE = {
    "type": "object",
    "required": ["id", "title", "url", "confidence"],
    "properties": {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "url": {"type": "string"},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
    },
}
_ANSWER = {
    "type": "object",
    "required": [
        "ref",
        "status",
        "handoff",
        "confidence",
        "question",
        "lang",
        "answer",
        "alternatives",
    ],
    "properties": {
        "ref": {
            "type": "string",
            "description": "This answer's reference: send it with feedback; editors look up its receipt.",
        },
        "status": {"type": "string", "enum": ["answered", "ambiguous", "no_answer"]},
        "handoff": {"type": "boolean"},
        "reason": {
            "type": "string",
            "nullable": True,
            "enum": ["review_overdue", None],
            "description": "Why a matching article was withheld (its review date passed; KB_WITHHOLD_EXPIRED).",
        },
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        "question": {"type": "string"},
        "lang": _LANG,
        "answer": {"nullable": True, "allOf": [{"$ref": "#/components/schemas/Article"}]},
        "alternatives": {
            "type": "array",
            "maxItems": 3,
            "items": {"$ref": "#/components/schemas/Candidate"},
        },
    },
}


def _errors(*codes: int) -> dict[str, Any]:
    return {
        str(code): {
            "description": "Error",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for code in codes
    }


def _ok(schema_ref: str) -> dict[str, Any]:
    return {
        "200": {
            "description": "OK",
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}}
            },
        }
    }


def _written(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/WriteResult"}}},
    }


def _param(
    name: str,
    schema: dict[str, Any],
    *,
    required: bool = False,
    where: str = "query",
    example: Any = None,
) -> dict[str, Any]:
    param = {"name": name, "in": where, "required": required, "schema": schema}
    if example is not None:
        param["example"] = example
    return param


_Q = _param("q", _QUESTION, required=True, example="can I cancel my order before it ships")
_LANG_PARAM = _param("lang", _LANG, example="en")
# A new article, as a pipeline would PUT it (the examples are also what API fuzzing starts from).
_NEW_ARTICLE = {
    "markdown": "---\n"
    "id: pay-with-store-credit\n"
    "title: Can I pay with store credit?\n"
    "lang: en\n"
    "category: payments\n"
    "audience: public\n"
    "---\n"
    "Yes. Store credit from a return is applied at checkout before any other payment method.\n",
    "base_revision": 0,
    "note": "new article",
}


def openapi_document() -> dict[str, Any]:
    """Return the OpenAPI 3.0 description of the public API."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Knowledge base answer API",
            "version": "1",
            "description": "One answer function for every channel. Each answer carries the article id, "
            "language, revision and content hash it served. Missing `lang` falls back to "
            "Accept-Language, then the default language.",
        },
        "paths": {
            "/api/v1/answer": {
                "get": {
                    "summary": "Answer a question",
                    "parameters": [_Q, _LANG_PARAM],
                    "responses": {**_ok("Answer"), **_errors(400)},
                },
                "post": {
                    "summary": "Answer a question (JSON body)",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/AnswerRequest"}
                            }
                        },
                    },
                    "responses": {**_ok("Answer"), **_errors(400, 413, 415)},
                },
            },
            "/api/v1/chat": {
                "post": {
                    "summary": "Get a ready chat reply built from the answer",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/ChatRequest"}
                            }
                        },
                    },
                    "responses": {**_ok("ChatReply"), **_errors(400, 413, 415)},
                }
            },
            "/api/v1/search": {
                "get": {
                    "summary": "Search articles",
                    "parameters": [
                        _Q,
                        _LANG_PARAM,
                        _param("limit", {"type": "integer", "minimum": 1, "maximum": 50}),
                    ],
                    "responses": {**_ok("SearchResults"), **_errors(400)},
                }
            },
            "/api/v1/articles/{article_id}": {
                "get": {
                    "summary": "Get one published public article",
                    "parameters": [
                        _param(
                            "article_id",
                            {"type": "string"},
                            required=True,
                            where="path",
                            example="cancel-before-shipping",
                        ),
                        _LANG_PARAM,
                    ],
                    "responses": {**_ok("ArticleDetail"), **_errors(400, 404)},
                },
                "put": {
                    "summary": "Publish (publisher) or propose (editor) a whole article file",
                    "security": [{"bearer": []}],
                    "parameters": [
                        _param(
                            "article_id",
                            {"type": "string"},
                            required=True,
                            where="path",
                            example="pay-with-store-credit",
                        ),
                        _param("lang", _LANG, required=True, example="en"),
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/ArticleWrite"},
                                "example": _NEW_ARTICLE,
                            }
                        },
                    },
                    "responses": {
                        "200": _written("published"),
                        "201": _written("published (new article)"),
                        "202": _written("proposed, waiting for a publisher"),
                        **_errors(400, 401, 403, 409, 413, 415, 422, 507),
                    },
                },
                "delete": {
                    "summary": "Retire an article (publisher)",
                    "security": [{"bearer": []}],
                    "parameters": [
                        _param(
                            "article_id",
                            {"type": "string"},
                            required=True,
                            where="path",
                            example="gift-cards",
                        ),
                        _param("lang", _LANG, required=True, example="en"),
                        _param("base_revision", {"type": "integer", "minimum": 0}, example=1),
                        _param(
                            "note",
                            {
                                "type": "string",
                                "maxLength": 500,
                                "description": "Absent or blank: 'retired through the API'.",
                            },
                            example="obsolete",
                        ),
                    ],
                    "responses": {
                        "200": _written("retired"),
                        **_errors(400, 401, 403, 404, 409, 507),
                    },
                },
            },
            "/api/v1/feedback": {
                "post": {
                    "summary": "Was this answer helpful? (one vote per answer ref; a new vote replaces it)",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/FeedbackRequest"}
                            }
                        },
                    },
                    "responses": {
                        "201": {
                            "description": "recorded, with the article revision it refers to",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/FeedbackResult"}
                                }
                            },
                        },
                        **_errors(400, 404, 413, 415, 429),
                    },
                }
            },
            "/api/v1/receipts/{ref}": {
                "get": {
                    "summary": "Exactly what was served for an answer ref (editor token)",
                    "security": [{"bearer": []}],
                    "parameters": [_param("ref", {"type": "string"}, required=True, where="path")],
                    "responses": {**_ok("Receipt"), **_errors(401, 403, 404)},
                }
            },
            "/api/v1/openapi.json": {
                "get": {"summary": "This document", "responses": {"200": {"description": "OK"}}}
            },
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "ArticleWrite": {
                    "type": "object",
                    "required": ["markdown", "base_revision", "note"],
                    "properties": {
                        "markdown": {
                            "type": "string",
                            "description": "The whole file: front matter and body.",
                        },
                        "base_revision": {
                            "type": "integer",
                            "minimum": 0,
                            "description": "0 for a new article.",
                        },
                        "note": {
                            "type": "string",
                            "minLength": 1,
                            "maxLength": 500,
                            "pattern": r"\S",
                            "description": "What changed and why (not blank).",
                        },
                    },
                },
                "WriteResult": {
                    "type": "object",
                    "required": ["status", "id", "lang"],
                    "properties": {
                        "status": {"type": "string", "enum": ["published", "proposed", "retired"]},
                        "id": {"type": "string"},
                        "lang": _LANG,
                        "revision": {"type": "integer"},
                        "content_hash": {"type": "string", "nullable": True},
                        "proposal": {"type": "integer"},
                    },
                },
                "FeedbackRequest": {
                    "type": "object",
                    "description": "Optional fields may be null, the same as leaving them out.",
                    "required": ["ref", "helpful"],
                    "properties": {
                        "ref": {"type": "string", "minLength": 1, "maxLength": 64},
                        "helpful": {"type": "boolean"},
                        "reason": {
                            "type": "string",
                            "nullable": True,
                            "enum": [
                                "incorrect",
                                "outdated",
                                "unclear",
                                "not_my_question",
                                "other",
                                None,
                            ],
                        },
                        "comment": {"type": "string", "nullable": True, "maxLength": 1000},
                        "article_id": {
                            "type": "string",
                            "nullable": True,
                            "description": "Optional check: must be the article the ref served.",
                        },
                        "revision": {
                            "type": "integer",
                            "nullable": True,
                            "description": "Optional check: must be the revision the ref served.",
                        },
                    },
                },
                "FeedbackResult": {
                    "type": "object",
                    "required": ["status", "ref", "id", "lang", "revision", "helpful"],
                    "properties": {
                        "status": {"type": "string", "enum": ["recorded"]},
                        "ref": {"type": "string"},
                        "id": {"type": "string"},
                        "lang": _LANG,
                        "revision": {"type": "integer"},
                        "helpful": {"type": "boolean"},
                    },
                },
                "Receipt": {
                    "type": "object",
                    "required": ["ref", "at", "channel", "kind", "lang", "status", "served"],
                    "properties": {
                        "ref": {"type": "string"},
                        "at": {"type": "string", "description": "UTC, ISO 8601"},
                        "channel": {"type": "string", "enum": ["faq", "sidebar", "api", "chat"]},
                        "kind": {"type": "string", "enum": ["question", "view"]},
                        "lang": _LANG,
                        "question": {"type": "string"},
                        "status": {"type": "string"},
                        "confidence": {"type": "number"},
                        "latency_ms": {"type": "number"},
                        "audience": {"type": "string"},
                        "served": {"type": "object", "nullable": True},
                    },
                },
                "Error": _ERROR,
                "Article": _ARTICLE,
                "Candidate": _CANDIDATE,
                "Answer": _ANSWER,
                "AnswerRequest": {
                    "type": "object",
                    "description": "Optional fields may be null, the same as leaving them out.",
                    "required": ["question"],
                    "properties": {
                        "question": _QUESTION,
                        "lang": _NULLABLE_LANG,
                    },
                },
                "ChatRequest": {
                    "type": "object",
                    "description": "Optional fields may be null, the same as leaving them out.",
                    "required": ["message"],
                    "properties": {
                        "message": _QUESTION,
                        "lang": _NULLABLE_LANG,
                        "session": {
                            "type": "string",
                            "nullable": True,
                            "maxLength": 200,
                            "description": "Echoed in the reply (null when none was sent).",
                        },
                    },
                },
                "ChatReply": {
                    "allOf": [
                        {"$ref": "#/components/schemas/Answer"},
                        {
                            "type": "object",
                            "required": ["reply", "session"],
                            "properties": {
                                "reply": {"type": "string"},
                                "session": {"type": "string", "nullable": True},
                            },
                        },
                    ]
                },
                "SearchResults": {
                    "type": "object",
                    "required": ["ref", "query", "lang", "results"],
                    "properties": {
                        "ref": {"type": "string"},
                        "query": {"type": "string"},
                        "lang": _LANG,
                        "results": {
                            "type": "array",
                            "items": {
                                "allOf": [
                                    {"$ref": "#/components/schemas/Candidate"},
                                    {
                                        "type": "object",
                                        "properties": {
                                            "summary": {"type": "string"},
                                            "snippet": {"type": "string"},
                                        },
                                    },
                                ]
                            },
                        },
                    },
                },
                "ArticleDetail": {
                    "allOf": [
                        {"$ref": "#/components/schemas/Article"},
                        {
                            "type": "object",
                            "properties": {
                                "category": {"type": "string"},
                                "tags": {"type": "array", "items": {"type": "string"}},
                                "questions": {"type": "array", "items": {"type": "string"}},
                                "review_by": {"type": "string", "nullable": True},
                                "translations": {"type": "array", "items": {"type": "object"}},
                            },
                        },
                    ]
                },
            },
        },
    }
