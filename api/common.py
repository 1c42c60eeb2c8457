"""Documentation pieces every resource blueprint shares."""

from schemas.envelopes import Problem

from .errors import PROBLEM_JSON

NOT_FOUND = {
    "status_code": 404,
    "schema": Problem,
    "content_type": PROBLEM_JSON,
    "description": "No record has this id.",
}
NOT_MODIFIED = {"status_code": 304, "description": "Not modified: the `If-None-Match` ETag is current."}
ETAG_HEADERS = {
    "ETag": {"description": "Strong validator derived from the build id and the URL.", "schema": {"type": "string"}},
    "Cache-Control": {"description": "How long the response may be cached.", "schema": {"type": "string"}},
}


def documented(blp, *, not_found=False):
    """Apply the alt responses every data operation has."""

    def decorator(func):
        func = blp.alt_response(**NOT_MODIFIED)(func)
        if not_found:
            func = blp.alt_response(**NOT_FOUND)(func)
        return func

    return decorator
