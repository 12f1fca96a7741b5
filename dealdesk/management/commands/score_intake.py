"""Score the intake's reader on an agreement against its reviewed deal document: figures, misses, extras."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dealdesk.deal_documents.documents import DocumentError
from dealdesk.intake.extract import IntakeRefused
from dealdesk.intake.reader import read_agreement
from dealdesk.intake.scoring import reviewed_document_read, score


class Command(BaseCommand):
    help = ("Read an agreement as the intake does and compare what it proposes with the agreement's reviewed "
            "deal document: precision and recall of parties, addresses, instruments, obligations with a "
            "determinable deadline and standing covenants, then each miss and each extra.")

    def add_arguments(self, parser):
        parser.add_argument("agreement", help="The agreement: text, EDGAR HTML, PDF or .docx.")
        parser.add_argument("document", help="Its reviewed deal document, a .json file; a section map beside it "
                                             "(<name>.sections.json) is joined.")

    def handle(self, *args, **options):
        agreement = Path(options["agreement"])
        try:
            data = agreement.read_bytes()
        except FileNotFoundError:
            raise CommandError(f"{agreement}: there is no such file.") from None
        except IsADirectoryError:
            raise CommandError(f"{agreement}: is a folder, not an agreement.") from None
        except OSError as error:
            raise CommandError(f"{agreement}: cannot be read ({error.strerror}).") from None
        try:
            document = reviewed_document_read(path=Path(options["document"]))
        except DocumentError as error:
            raise CommandError(str(error)) from None
        except OSError as error:
            raise CommandError(f"{options['document']}: cannot be read ({error.strerror}).") from None
        try:
            reading = read_agreement(data=data, filename=agreement.name)
        except IntakeRefused as error:
            raise CommandError(str(error)) from None
        for line in score(reading=reading, document=document).lines():
            self.stdout.write(line)
