"""`python manage.py explain item 42`: the console's answers about one object, in plain text."""

import json as json_module

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.text import capfirst

from opsconsole.explaining.selectors import explanation_models, object_explain
from opsconsole.platform_access import restrict_to_user_platforms


class Command(BaseCommand):
    help = "Explain one object: why it is in its state, with the evidence and the next step."

    def add_arguments(self, parser):
        parser.add_argument("model", help="item, charge, disbursement, batch, customer or callback")
        parser.add_argument("pk", help="The object's id.")
        parser.add_argument("--json", action="store_true", help="Machine-readable output.")
        parser.add_argument("--as", dest="username", default=None,
                            help="Answer only what this staff user may see: their permission to view MODEL, "
                                 "and their platforms.")

    def handle(self, *args, model, pk, json: bool, username: str | None = None, **options):
        models = {explained._meta.model_name: explained for explained in explanation_models()}
        if model not in models:
            raise CommandError(f"MODEL must be one of {', '.join(sorted(models))}, not {model!r}.")
        candidates = models[model].objects.all()
        viewer = self.viewer(username, models[model]) if username is not None else None
        if viewer is not None:
            candidates = restrict_to_user_platforms(candidates, viewer)
        instance = candidates.filter(pk=pk).first() if str(pk).isdigit() else None
        if instance is None:
            raise CommandError(f"There is no {model} with id {pk}.")
        # With --as, exactly the answers the object's page shows that person.
        answers = object_explain(obj=instance, user=viewer)
        if json:
            return self.write_json(instance, answers)
        self.stdout.write(f"{capfirst(instance._meta.verbose_name)} {instance}")  # "API request", not "Api request"
        for answer in answers:
            self.write_answer(answer)

    def viewer(self, username: str, model):
        """The person of `--as`, if they may view `model`; the caller restricts to their platforms."""
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"--as: there is no active user called {username!r}.")
        meta = model._meta
        if not user.has_perm(f"{meta.app_label}.view_{meta.model_name}"):
            raise CommandError(f"--as: {username} does not have permission to view {meta.verbose_name_plural}.")
        return user

    def write_json(self, instance, answers):
        document = {"object": f"{instance._meta.label_lower}:{instance.pk}",
                    "answers": [{"question": answer.question, **answer.verdict.as_dict()} for answer in answers]}
        self.stdout.write(json_module.dumps(document, indent=2, default=str))

    def write_answer(self, answer):
        verdict = answer.verdict
        self.stdout.write(f"\n{answer.question}\n  [{verdict.code}] {verdict.summary}")
        for item in verdict.evidence:
            self.stdout.write(f"    - {item.label}: {item.value}")
        self.stdout.write(f"  Next step: {verdict.next_step}")
        if verdict.tell_the_customer:
            self.stdout.write(f"  Tell the customer: {verdict.tell_the_customer}")
        if verdict.retry_can_help is not None:
            self.stdout.write(f"  Retrying can help: {'yes' if verdict.retry_can_help else 'no'}")
        if verdict.task:
            self.stdout.write(f"  Task: opstask run {verdict.task.slug} --target {verdict.task.target_id}"
                              + "".join(f" --param {key}={value}" for key, value in verdict.task.params.items()))


