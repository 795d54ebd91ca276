"""Respondents answering a three-page survey from their personal links, as a browser does: open
the link (redirected to the survey without the token), think 3-10 s, send page 1, think, page 2,
think, page 3 (the final submit), then take the next invitation.

Read from the environment (benches/load/run.py sets them):
    LOAD_LINKS    a file with one personal-link path per line (/s/<token>/)
    LOAD_SURVEY   a JSON file: per page, its id and the fields with the values to choose from
    LOAD_RESULT   where to write the counts at the end (JSON)
    LOAD_THINK    "3,10": seconds of thinking per page (low, high)
"""

from __future__ import annotations

import json
import os
import random
import re
import threading
from urllib.parse import urlencode

import gevent
from locust import FastHttpUser, events, task
from locust.exception import StopUser

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
THANKS_MARKER = "load-test-thanks"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}

_links = open(os.environ["LOAD_LINKS"]).read().split()  # noqa: SIM115 - read once at start
_survey = json.load(open(os.environ["LOAD_SURVEY"]))  # noqa: SIM115
_low, _high = (float(x) for x in os.environ.get("LOAD_THINK", "3,10").split(","))
_lock = threading.Lock()
counts = {"started": 0, "submitted": 0, "submit_failed": 0, "links_left": 0, "stopped_between_pages": 0}
stopping = False


def _next_link() -> str | None:
    with _lock:
        return _links.pop() if _links else None


def _think() -> None:
    gevent.sleep(random.uniform(_low, _high))  # noqa: S311 - think time, not security


def _form(page: dict, csrf: str) -> list[tuple[str, str]]:
    data = [("csrfmiddlewaretoken", csrf), ("page", str(page["id"]))]
    for field in page["fields"]:
        if field["multi"]:
            for value in random.sample(field["values"], k=random.randint(1, field["max"])):  # noqa: S311
                data.append((field["name"], value))
        else:
            data.append((field["name"], random.choice(field["values"])))  # noqa: S311
    return data


class Respondent(FastHttpUser):
    # FastHttpUser (geventhttpclient) costs a fraction of the CPU of HttpUser (requests): locust
    # shares the machine's cores with the server it measures.
    # The thinking happens inside the task, between the pages.
    wait_time = staticmethod(lambda: 0)

    @task
    def answer_one_survey(self) -> None:
        if stopping:
            raise StopUser
        link = _next_link()
        if link is None:
            raise StopUser
        counts["started"] += 1
        response = self.client.get(link, name="open link")
        pages = _survey["pages"]
        for number, page in enumerate(pages, start=1):
            found = CSRF.search(response.text or "")
            if response.status_code != 200 or not found:
                return
            _think()
            if stopping and number > 1:
                # The run is over: leave the survey half answered, as a resident closing the tab.
                counts["stopped_between_pages"] += 1
                return
            last = number == len(pages)
            with self.client.post(f"/s/answer/{_survey['survey']}/", data=urlencode(_form(page, found.group(1))),
                                  headers=FORM,
                                  name="submit" if last else f"page {number}", catch_response=True) as response:
                if last:
                    if response.status_code == 200 and THANKS_MARKER in response.text:
                        counts["submitted"] += 1
                        response.success()
                    else:
                        counts["submit_failed"] += 1
                        response.failure(f"no thanks page (HTTP {response.status_code})")
                elif response.status_code != 200 or f'name="page" value="{pages[number]["id"]}"' not in response.text:
                    response.failure(f"page {number + 1} did not follow (HTTP {response.status_code})")
                    return


@events.test_stopping.add_listener
def _stopping(**_kwargs) -> None:
    global stopping
    stopping = True


@events.quitting.add_listener
def _write_counts(environment, **_kwargs) -> None:
    counts["links_left"] = len(_links)
    with open(os.environ["LOAD_RESULT"], "w") as out:
        json.dump(counts, out)
