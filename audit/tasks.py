from celery import shared_task

from audit import chain


@shared_task(name="audit.tasks.seal_audit_chain", ignore_result=True)
def seal_audit_chain() -> int:
    """Periodic (every minute): chain newly committed audit events. Idempotent."""
    return chain.seal()
