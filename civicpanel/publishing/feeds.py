"""The panel site's Atom feed: each published survey, finished event and budgeting round, newest
first, in the language the reader's browser asks for (as the pages are)."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from civicpanel.publishing.selectors import SiteItem, site_items


class PanelFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, *args, **kwargs):
        if request.council is None:
            raise Http404
        return request.council

    def title(self, council) -> str:
        return _("What came of it: %(council)s citizen panel") % {"council": council.name}

    def subtitle(self, council) -> str:
        return _("Published survey results, finished workshops and participatory budgeting, with what came of them.")

    def link(self, council) -> str:
        return reverse("publishing:site")

    def items(self, council) -> list[SiteItem]:
        return site_items(council=council)[:50]

    def item_title(self, item: SiteItem) -> str:
        return f"{item.kind_label}: {item.title}"

    def item_description(self, item: SiteItem) -> str:
        return item.outcome

    def item_link(self, item: SiteItem) -> str:
        return item.url

    def item_pubdate(self, item: SiteItem):
        return item.date

    def item_updateddate(self, item: SiteItem):
        return item.date
