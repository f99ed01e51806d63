from django.core.management.base import BaseCommand

from opsconsole.tasking.services import task_runs_sweep


class Command(BaseCommand):
    help = ("Dispatch background task runs that never reached a worker or whose worker died. "
            "Celery beat runs this every 30 seconds; without a broker, run it from cron.")

    def handle(self, *args, **options):
        run_ids = task_runs_sweep()
        self.stdout.write(f"Dispatched {len(run_ids)} run(s): {', '.join(map(str, run_ids)) or 'none needed'}.")
