from opsconsole.errors import OpsError
from opsconsole.tasking.base import FieldChange, OpsTask
from opsconsole.tasking.registry import register
from payments.models import Callback
from payments.services import callback_queue_for_redelivery

CALLBACKS_OFF = "{platform} has callbacks turned off or no callback URL: set one first."


def refuse_unless_platform_takes_callbacks(platform) -> None:
    """Raise OpsError when the platform would be sent nothing: the rule, in the same words, for
    resending one callback and for resending a platform's failing callbacks together."""
    if not (platform.callbacks_enabled and platform.callback_url):
        raise OpsError(CALLBACKS_OFF.format(platform=platform.name))


@register
class ResendCallback(OpsTask):
    slug = "resend-callback"
    title = "Resend a callback"
    description = "Deliver a callback to the platform again, at its current callback URL."
    model = Callback

    def validate(self, callback, params):
        refuse_unless_platform_takes_callbacks(callback.platform)
        if callback.status == Callback.Status.PENDING:
            raise OpsError(f"Callback #{callback.pk} is already waiting to be delivered.")

    def preview(self, callback, params):
        return [FieldChange(str(callback), "status", callback.status, Callback.Status.PENDING)]

    def execute(self, callback, params, run):
        callback_queue_for_redelivery(callback=callback)
        return (f"Callback #{callback.pk} ({callback.event_type}) will be delivered again to "
                f"{callback.platform.callback_url}.")
