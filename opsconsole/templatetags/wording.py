"""`{% load wording %}`: the console's words for templates (opsconsole/people.py, opsconsole/wording.py).

- `{{ ticket.assignee|person_name }}`: "Olivia Lead", or the username of someone with no name; ""
  for nobody, so `|default:"unassigned"` can follow.
- `{{ platform.name|possessive }}`: "Harbour Goods's".
"""

from django import template

from opsconsole import people, wording

register = template.Library()


@register.filter
def person_name(person) -> str:
    return "" if person is None or person == "" else people.person_name(person)


@register.filter
def possessive(name) -> str:
    return wording.possessive(str(name))
