"""Faces: a face model behind ``matcher.FaceMatcher``, the encodings of registered photos
and each confirmation's live-photo check, shown to officers as evidence, never a verdict.

Above registration (it reads travelers and photos) and below confirmation, which only
writes a pending check; ``jobs.py`` runs the model off the request path.
"""
