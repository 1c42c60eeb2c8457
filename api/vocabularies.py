"""/vocabularies: every controlled vocabulary, each value with a label and its codebook definition."""

from flask.views import MethodView

from schemas.vocabularies import VocabulariesDocument, VocabulariesQuery, vocabularies

from .framework import Blueprint
from .views import ETAG_HEADERS, NOT_MODIFIED

blp = Blueprint(
    "vocabularies",
    __name__,
    description="The controlled vocabularies of the records: what each value means, for labels and help texts.",
)


@blp.route("/vocabularies")
class Vocabularies(MethodView):
    @blp.doc(operationId="getVocabularies")
    @blp.arguments(VocabulariesQuery, location="query", as_kwargs=True)
    @blp.response(200, VocabulariesDocument, description="Every vocabulary.", headers=ETAG_HEADERS)
    @blp.alt_response(**NOT_MODIFIED)
    def get(self):
        """List vocabularies

        Every enumerated value the records use (stances, statement kinds, event types, statuses and
        certainties, participant roles, casualty categories and qualifiers, actor kinds, channels,
        attributions, date and place precisions, date bases), in the order the codebook gives them,
        each with a human-readable `label` and the codebook's one-sentence `description` (the same
        definitions the records' schemas give).
        """
        return {"data": vocabularies()}
