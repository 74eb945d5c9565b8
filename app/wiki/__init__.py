"""The wiki's domain: editing, moderation, rendering, diffing, merging, search.

Nothing here touches the request, the session or templates; functions take plain
values and models, raise WikiError subclasses, and own their commit."""
