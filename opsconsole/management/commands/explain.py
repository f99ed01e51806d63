"""`python manage.py explain item 42`: the console's answers about one object, in plain text."""

import json as json_module

from django.core.management.base import BaseCommand, CommandError

from opsconsole.explaining.selectors import explanation_models, object_explain


class Command(BaseCommand):
    help = "Explain one object: why it is in its state, with the evidence and the next step."

    def add_arguments(self, parser):
        parser.add_argument("model", help="item, charge, disbursement, batch, customer or callback")
        parser.add_argument("pk", help="The object's id.")
        parser.add_argument("--json", action="store_true", help="Machine-readable output.")

    def handle(self, *args, model, pk, json: bool, **options):
        models = {explained._meta.model_name: explained for explained in explanation_models()}
        if model not in models:
            raise CommandError(f"MODEL must be one of {', '.join(sorted(models))}, not {model!r}.")
        instance = models[model].objects.filter(pk=pk).first() if str(pk).isdigit() else None
        if instance is None:
            raise CommandError(f"There is no {model} with id {pk}.")
        answers = object_explain(obj=instance)
        if json:
            return self.write_json(instance, answers)
        self.stdout.write(f"{instance._meta.verbose_name.capitalize()} {instance}")
        for answer in answers:
            self.write_answer(answer)

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


