"""Related records on a detail page, a page at a time, without counting them.

unfold pages an inline with Django's Paginator, which counts every related row (a COUNT(*) per
inline, per page view): a seller's items or a batch's entries can number in the hundreds of
thousands. Here a page is read with one row more than it shows, which is enough to know whether
there is a next one; the footer offers the pages before and the next (see
templates/unfold/helpers/pagination_inline.html).
"""

from dataclasses import dataclass, field

from unfold.forms import PaginationInlineFormSet


@dataclass
class PeekPage:
    """The part of unfold's page the inline footer reads, without a total."""

    number: int
    object_list: list
    has_next: bool
    peek: bool = field(default=True, init=False)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1


class PeekPaginationInlineFormSet(PaginationInlineFormSet):
    def __init__(self, request=None, per_page=None, *args, **kwargs):
        super().__init__(request, None, *args, **kwargs)  # unfold's own paging off: it counts
        self.per_page = per_page
        if per_page:
            number = self.get_page_num()
            start = (number - 1) * per_page
            rows = list(self.queryset[start:start + per_page + 1])
            self.page = PeekPage(number, rows[:per_page], has_next=len(rows) > per_page)
            self._queryset = self.page.object_list
