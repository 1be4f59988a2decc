"""Which AdminSite botauth's own pages (link, callback, error page) link back to.

A project may serve BotAccount on its own AdminSite, under another name than "admin"; links
then carry that site's name as ``current_app``, and pages take its header and permissions.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.sites import AdminSite, all_sites
from django.http import HttpRequest
from django.urls import get_resolver, get_urlconf, reverse

from botauth.models import BotAccount


def bot_admin_site(request: HttpRequest | None = None) -> AdminSite:
    """The site of the admin page this request comes from, else the one that registered BotAccount
    and whose URLs are included (the default site first), else the default site."""
    sites = [site for site in all_sites if site.is_registered(BotAccount)]
    current = getattr(request, "current_app", None)
    for site in sites:
        if site.name == current:
            return site
    # Instance namespaces of the included admin sites; reverse() alone would fall back from an
    # absent "admin" to any other admin site.
    included = get_resolver(get_urlconf()).app_dict.get("admin", [])
    for site in sorted(sites, key=lambda site: (site.name != admin.site.name, site.name)):
        if site.name in included:
            return site
    return admin.site


def change_url(account: BotAccount, site: AdminSite) -> str:
    return reverse("admin:botauth_botaccount_change", args=[account.pk], current_app=site.name)
