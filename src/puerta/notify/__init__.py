"""Telling people what became of their offer or appointment, in their language, by email
and SMS, through the transactional outbox (``messages``, ``channels``, ``service``)."""
