"""The sidebar's markup written by Python instead of by unfold's templates, element for element:

- `{% sidebar_links sidebar_navigation %}`: the groups of links of `unfold/helpers/app_list.html`;
- `{% user_menu %}`: the signed-in person's menu of `unfold/helpers/navigation_user.html` (theme,
  languages, account links, sign-out, avatar).

Every page draws both; through the templates they cost some three hundred nodes and includes (about
3 ms a page), here a few string joins. The markup is unfold's, so its styles and scripts apply
unchanged; tests/opsconsole/test_sidebar.py renders unfold's own templates beside these and compares
them. What the console does not use (a link's badge, the language switch) is written by unfold's own
templates when it is there.
"""

from django.middleware.csrf import get_token
from django.template import Library
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from opsconsole.markup import escaped

register = Library()

GROUP_TITLE_CLASSES = ("font-semibold flex flex-row group items-center mb-1 mx-3 py-1.5 px-3 select-none "
                       "text-font-important-light text-sm dark:text-font-important-dark")
COLLAPSIBLE_TITLE_CLASSES = "cursor-pointer hover:text-primary-600 dark:hover:text-primary-500"
LINK_CLASSES = ("flex h-[38px] items-center -mx-3 px-3 rounded-default hover:text-primary-600 "
                "dark:hover:text-primary-500")
ACTIVE_LINK_CLASSES = "bg-base-100 font-semibold text-primary-600 dark:bg-white/[.06] dark:text-primary-500 active"
CHEVRON = ('<span class="material-symbols-outlined ml-auto transition-transform group-hover:text-primary-600 '
           'dark:group-hover:text-primary-500" x-bind:class="{\'rotate-90\': navigationOpen}">chevron_right</span>')


@register.simple_tag(takes_context=True)
def sidebar_links(context, navigation) -> SafeString:
    """The `<div id="nav-sidebar-apps">` of unfold's sidebar for `navigation` (unfold's
    `sidebar_navigation` context: groups of items with `has_permission` and `active` worked out)."""
    groups = "".join(_group(group, context) for group in navigation if group.get("items"))
    return mark_safe(f'<div id="nav-sidebar-apps" class="h-0 grow overflow-auto" data-simplebar>{groups}</div>')


def _group(group: dict, context) -> str:
    collapsible = bool(group.get("collapsible"))
    if collapsible:
        is_open = "true" if any(item.get("active") for item in group["items"]) else "false"
        opening = f' x-data="{{navigationOpen: {is_open}}}"'
    else:
        opening = ""
    parts = [f'<div class="hidden mb-1.5 has-[ol]:has-[li]:block"{opening}>']
    if group.get("separator"):
        parts.append('<hr class="border-t border-base-200 mx-6 my-2 dark:border-base-800" />')
    if group.get("title"):
        title_classes = f"{GROUP_TITLE_CLASSES} {COLLAPSIBLE_TITLE_CLASSES}" if collapsible else GROUP_TITLE_CLASSES
        toggle = ' x-on:click="navigationOpen = !navigationOpen"' if collapsible else ""
        parts.append(f'<h2 class="{title_classes}"{toggle}>{escaped(group["title"])}'
                     f'{_badge(group, context)}{CHEVRON if collapsible else ""}</h2>')
    shown = ' x-show="navigationOpen"' if collapsible else ""
    parts.append(f'<ol class="flex flex-col gap-0.5 px-6"{shown}>')
    parts.extend(_link(item, context) for item in group["items"] if item.get("has_permission"))
    parts.append("</ol></div>")
    return "".join(parts)


def _link(item: dict, context) -> str:
    classes = f"{LINK_CLASSES} {ACTIVE_LINK_CLASSES}" if item.get("active") else LINK_CLASSES
    icon = (f'<span class="material-symbols-outlined md-18 mr-3 w-[18px]">{escaped(item["icon"])}</span>'
            if item.get("icon") else "")
    # unfold writes the title unescaped (`|safe`): a link's title may carry markup.
    return (f'<li><a href="{escaped(item.get("link_callback") or item.get("link"))}" class="{classes}">{icon}'
            f'<span>{item["title"]}</span>{_badge(item, context)}</a></li>')


def _badge(item: dict, context) -> str:
    if not item.get("badge"):
        return ""
    return render_to_string("unfold/helpers/app_list_badge.html", {"item": item}, request=context.get("request"))


MENU_ITEM_CLASSES = ("mx-1 px-3 py-2 rounded-default hover:bg-base-100 hover:text-base-700 dark:hover:bg-base-700 "
                     "dark:hover:text-base-200")
THEME_CHOICE_CLASSES = ("cursor-pointer flex flex-row grow {extra}px-2 py-1.5 rounded-default hover:bg-base-100 "
                        "hover:text-base-700 dark:hover:bg-base-700 dark:hover:text-base-200")
THEME_CHOSEN = "text-primary-600 dark:text-primary-500 dark:hover:text-primary-500! hover:text-primary-600!"
# (the theme, its icon, its words, the classes unfold adds to that one choice, the space before its
# `&&`, two for the first as unfold writes it)
THEME_CHOICES = (("light", "light_mode", "Light", "", "  "), ("dark", "dark_mode", "Dark", "leading-none -ml-1 ", " "),
                 ("auto", "computer", "System", "-mr-1 ", " "))


@register.simple_tag(takes_context=True)
def user_menu(context) -> SafeString:
    """unfold's `navigation_user.html` for the signed-in person of `context` (its `request`,
    `user`, and the site's `theme`, `show_languages`, `site_url` and `account_links`)."""
    request, user = context["request"], context.get("user") or context["request"].user
    items = [_theme_switch(context)]
    if context.get("show_languages"):
        items.append(render_to_string("unfold/helpers/language_switch.html", context.flatten(), request=request))
    if context.get("extra_userlinks"):
        items.append(escaped(context["extra_userlinks"]))
    items.append(_account_links(context, user, request))
    name = user.get_full_name() or user.get_username()
    email = f'<div class="text-subtle text-xs truncate">{escaped(user.email)}</div>' if user.email else ""
    return mark_safe(
        '<div class="border-t border-base-200 px-6 py-3 relative dark:border-base-800" '
        'x-data="{ openUserLinks: false }">'
        '<nav class="absolute bg-white border border-base-200 flex flex-col leading-none py-1 rounded-default '
        'shadow-lg bottom-[73px] left-3 right-3 z-50 dark:bg-base-800 dark:border-base-700" x-cloak '
        'x-show="openUserLinks" x-transition x-on:click.outside="openUserLinks = false">'
        f'{"".join(items)}</nav>'
        '<div class="cursor-pointer flex flex-row gap-3 items-center min-h-[64px] -mx-6 -my-3 px-6 py-3 '
        'hover:bg-base-100 dark:hover:bg-base-800" x-on:click="openUserLinks = !openUserLinks" '
        'x-bind:class="{\'bg-base-100 dark:bg-base-800\': openUserLinks}">'
        f'{_avatar(user)}'
        '<div class="flex flex-col select-none min-w-0">'
        f'<div class="font-semibold text-important tracking-tight truncate">{escaped(name)}</div>'
        f'{email}</div>'
        '<span class="material-symbols-outlined ml-auto select-none text-font-default-light '
        'dark:text-font-default-dark">unfold_more</span>'
        "</div></div>"
    )


def _theme_switch(context) -> str:
    if context.get("theme"):
        return ""
    choices = "".join(
        f'<a class="{THEME_CHOICE_CLASSES.format(extra=extra)}" x-on:click="switchTheme(\'{theme}\')" '
        f'x-bind:class="adminTheme == \'{theme}\'{space}&& \'{THEME_CHOSEN}\'">'
        f'<span class="material-symbols-outlined mr-2">{icon}</span>'
        f'<span class="leading-none self-center">{escaped(gettext(words))}</span></a>'
        for theme, icon, words, extra, space in THEME_CHOICES
    )
    return f'<div class="border-b border-base-200 flex flex-row gap-1 mb-1 pb-1 px-2 dark:border-base-700">{choices}' \
           "</div>"


def _account_links(context, user, request) -> str:
    links = []
    if context.get("site_url"):
        links.append(_menu_link(context["site_url"], gettext("View site")))
    if context.get("account_links"):
        links.extend(_menu_link(link["link"], link["title"]) for link in context["account_links"])
    elif user.has_usable_password():
        links.append(_menu_link(reverse("admin:password_change"), gettext("Change password")))
    links.append(
        '<div class="border-t border-base-200 mt-1 pt-1 dark:border-base-700">'
        f'<form id="logout-form" method="post" action="{escaped(reverse("admin:logout"))}" class="mx-1">'
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{escaped(get_token(request))}">'
        '<button type="submit" class="bg-none flex cursor-pointer items-center px-3 py-1.5 text-left text-red-700 '
        'rounded-default w-full hover:bg-red-100 dark:hover:bg-red-500/20 dark:text-red-400 '
        f'dark:hover:text-red-400">{escaped(gettext("Log out"))} <span class="ml-auto material-symbols-outlined '
        'text-red-700 dark:text-red-400">logout</span></button></form></div>')
    return "".join(links)


def _menu_link(href, title) -> str:
    return f'<a href="{escaped(href)}" class="{MENU_ITEM_CLASSES}">{escaped(title)}</a>'


def _avatar(user) -> str:
    avatar_url = getattr(user, "avatar_url", None)
    style = f" style=\"background-image: url('{escaped(avatar_url)}');\"" if avatar_url else ""
    initial = "" if avatar_url else escaped((user.get_full_name()[:1] or user.get_username()[:1]).upper())
    return (
        '<div class="bg-base-200 bg-cover font-semibold flex items-center justify-center relative select-none '
        "text-important dark:bg-base-700 after:absolute after:inset-0 after:inset-ring "
        "after:inset-ring-base-800/10 dark:after:inset-ring-base-200/10 h-[38px] min-w-[38px] w-[38px] "
        f'rounded-default after:rounded-default"{style}>{initial}</div>'
    )
