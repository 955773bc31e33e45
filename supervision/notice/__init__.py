"""The quarterly 通报 as an editable Word document (issue 15), built from a published snapshot."""
