"""The pages of the URL table beyond test_accessibility's PUBLIC and STAFF: events, participatory
budgeting, published results, newsletters, recruitment, paper answers, the API tokens and
django-allauth's account pages. The design sweep (test_design.py) visits them all, and
test_design's coverage test fails when a page of the URL table is in no table here or there.

Same layout as test_accessibility's tables: name -> (who is logged in, path from the world,
an action after loading, what the world needs).
"""

from __future__ import annotations

from django.urls import reverse as R

from tests.browser.test_accessibility import SURVEY

EVENTS, BUDGETING, PUBLISHING, RECRUITMENT = ("events",), ("budgeting",), ("survey", "publishing"), ("recruitment",)


MORE_PUBLIC: dict[str, tuple] = {
    "event": (None, lambda w: R("events:public", args=[w.ids["event"]]), None, EVENTS),
    "event volunteer form": ("member", lambda w: w.paths["event_volunteer"], None, EVENTS),
    "event seat": ("member", lambda w: w.paths["event_seat"], None, EVENTS),
    "event ticket": ("member", lambda w: R("events:ticket", args=[w.ids["event"], w.ids["placement"]]), None, EVENTS),
    "budgeting rounds": (None, lambda w: R("budgeting:rounds"), None, BUDGETING),
    "budgeting built": (None, lambda w: R("budgeting:built"), None, BUDGETING),
    "budgeting round": (None, lambda w: R("budgeting:round", args=[w.ids["round_ideas"]]), None, BUDGETING),
    "budgeting ideas": (None, lambda w: R("budgeting:ideas", args=[w.ids["round_ideas"]]), None, BUDGETING),
    "budgeting idea new": ("member", lambda w: R("budgeting:idea_new", args=[w.ids["round_ideas"]]), None, BUDGETING),
    "budgeting projects": (None, lambda w: R("budgeting:projects", args=[w.ids["round_vote"]]), None, BUDGETING),
    "budgeting vote": ("member", lambda w: R("budgeting:vote", args=[w.ids["round_vote"], "city"]), None, BUDGETING),
    "budgeting results": (None, lambda w: R("budgeting:results", args=[w.ids["round"]]), None, BUDGETING),
    "budgeting my ballot": ("member", lambda w: R("budgeting:my", args=[w.ids["round"]]), None, BUDGETING),
    "budgeting resident join": (None, lambda w: R("budgeting:resident_join", args=[w.ids["round_vote"]]), None,
                                BUDGETING),
    "budgeting resident access": (None, lambda w: R("budgeting:resident_access", args=[w.ids["round_vote"]]), None,
                                  BUDGETING),
    "budgeting resident link expired": (None, lambda w: R("budgeting:resident_confirm", args=[
        w.ids["round_vote"], "not-a-token"]), None, BUDGETING),
    "results": (None, lambda w: R("publishing:site"), None, PUBLISHING),
    "results survey": (None, lambda w: R("publishing:survey", args=[w.survey.pk]), None, PUBLISHING),
    "letter code": (None, lambda w: R("recruitment:code_entry"), None, ()),
    "letter sign-up": (None, lambda w: w.paths["letter"], None, RECRUITMENT),
}

MORE_STAFF: dict[str, tuple] = {
    "events": ("manager", lambda w: R("staff:events"), None, EVENTS),
    "event new": ("manager", lambda w: R("staff:event_create"), None, ()),
    "event taking volunteers": ("manager", lambda w: R("staff:event_detail", args=[w.ids["event_open"]]), None, EVENTS),
    "event drawn": ("manager", lambda w: R("staff:event_detail", args=[w.ids["event"]]), None, EVENTS),
    "event edit": ("manager", lambda w: R("staff:event_edit", args=[w.ids["event_open"]]), None, EVENTS),
    "event outcome": ("manager", lambda w: R("staff:event_outcome", args=[w.ids["event_done"]]), None, EVENTS),
    "event feedback": ("manager", lambda w: R("staff:event_feedback", args=[w.ids["event_done"]]), None, EVENTS),
    "event session new": ("manager", lambda w: R("staff:event_session_create", args=[w.ids["event_open"]]), None,
                          EVENTS),
    "event session edit": ("manager", lambda w: R("staff:event_session_edit", args=[
        w.ids["event_open"], w.ids["event_open_session"]]), None, EVENTS),
    "event question new": ("manager", lambda w: R("staff:event_question_add", args=[w.ids["event_open"]]), None,
                           EVENTS),
    "event call": ("manager", lambda w: R("staff:event_call", args=[w.ids["event_open"]]), None, EVENTS),
    "event draw": ("manager", lambda w: R("staff:event_draw", args=[w.ids["event"]]), None, EVENTS),
    "event check-in": ("manager", lambda w: R("staff:event_checkin", args=[w.ids["event"], w.ids["event_session"]]),
                       None, EVENTS),
    "event check-in code": ("manager", lambda w: R("staff:event_checkin_code", args=[
        w.ids["event"], w.ids["checkin_code"]]), None, EVENTS),
    "event follow-up survey": ("manager", lambda w: R("staff:survey_audience", args=["attended_event", w.ids["event"]]),
                               None, EVENTS + SURVEY),
    "budgeting rounds staff": ("manager", lambda w: R("staff:pb_rounds"), None, BUDGETING),
    "budgeting round new": ("manager", lambda w: R("staff:pb_round_create"), None, ()),
    "budgeting round import": ("manager", lambda w: R("staff:pb_round_import"), None, ()),
    "budgeting round taking ideas": ("manager", lambda w: R("staff:pb_round", args=[w.ids["round_ideas"]]), None,
                                     BUDGETING),
    "budgeting round voting": ("manager", lambda w: R("staff:pb_round", args=[w.ids["round_vote"]]), None, BUDGETING),
    "budgeting round counted": ("manager", lambda w: R("staff:pb_round", args=[w.ids["round"]]), None, BUDGETING),
    "budgeting round edit": ("manager", lambda w: R("staff:pb_round_edit", args=[w.ids["round_ideas"]]), None,
                             BUDGETING),
    "budgeting ideas staff": ("manager", lambda w: R("staff:pb_ideas", args=[w.ids["round_ideas"]]), None, BUDGETING),
    "budgeting project new": ("manager", lambda w: R("staff:pb_project_create", args=[w.ids["round_ideas"]])
                              + f"?idea={w.ids['idea']}", None, BUDGETING),
    "budgeting project": ("manager", lambda w: R("staff:pb_project", args=[w.ids["round"], w.ids["project"]]), None,
                          BUDGETING),
    "budgeting paper ballots": ("manager", lambda w: R("staff:pb_paper", args=[w.ids["round_vote"]]), None, BUDGETING),
    "budgeting turnout": ("analyst", lambda w: R("staff:pb_turnout", args=[w.ids["round"]]), None, BUDGETING),
    "survey reminder": ("manager", lambda w: R("staff:survey_remind", args=[w.survey.pk]), None, SURVEY),
    "survey paper": ("manager", lambda w: R("staff:survey_paper", args=[w.survey.pk]), None, PUBLISHING),
    "survey paper entry": ("manager", lambda w: R("staff:survey_paper_enter", args=[w.survey.pk]), None, PUBLISHING),
    "survey paper resolve": ("manager", lambda w: R("staff:survey_paper_resolve", args=[
        w.survey.pk, w.ids["paper_invitation"]]), None, PUBLISHING),
    "survey call list": ("manager", lambda w: R("staff:survey_paper_contacts", args=[
        w.survey.pk, w.ids["phone_wave"]]), None, PUBLISHING),
    "survey address list": ("manager", lambda w: R("staff:survey_paper_contacts", args=[
        w.survey.pk, w.ids["paper_wave"]]), None, PUBLISHING),
    "survey publish": ("manager", lambda w: R("staff:survey_publish", args=[w.survey.pk]), None, PUBLISHING),
    "survey feedback": ("manager", lambda w: R("staff:survey_feedback", args=[w.survey.pk]), None, PUBLISHING),
    "newsletters": ("manager", lambda w: R("staff:newsletters"), None, PUBLISHING),
    "newsletter new": ("manager", lambda w: R("staff:newsletter_create"), None, ()),
    "newsletter": ("manager", lambda w: R("staff:newsletter", args=[w.ids["newsletter"]]), None, PUBLISHING),
    "newsletter edit": ("manager", lambda w: R("staff:newsletter_edit", args=[w.ids["newsletter"]]), None, PUBLISHING),
    "newsletter confirm": ("manager", lambda w: R("staff:newsletter_confirm", args=[w.ids["newsletter"]])
                           + "?when=now", None, PUBLISHING),
    "api tokens": ("admin", lambda w: R("staff:api_tokens"), None, PUBLISHING),
    "recruitment": ("manager", lambda w: R("staff:recruitment"), None, RECRUITMENT),
    "recruitment campaign": ("manager", lambda w: R("staff:recruitment_campaign", args=[w.ids["campaign"]]), None,
                             RECRUITMENT),
    "recruitment extract new": ("manager", lambda w: R("staff:recruitment_extract_upload"), None, ()),
    "recruitment extract": ("manager", lambda w: R("staff:recruitment_extract", args=[w.ids["extract"]]), None,
                            RECRUITMENT),
    "recruitment letters": ("manager", lambda w: R("staff:recruitment_batch", args=[w.ids["batch"]]), None,
                            RECRUITMENT),
    "recruitment health": ("manager", lambda w: R("staff:recruitment_health"), None, ()),
    "recruitment settings": ("admin", lambda w: R("staff:recruitment_settings"), None, ()),
    # django-allauth's account pages a staff member can reach.
    "e-mail addresses": ("admin", lambda w: R("account_email"), None, ()),
    "e-mail verification sent": ("admin", lambda w: R("account_email_verification_sent"), None, ()),
    "account inactive": ("admin", lambda w: R("account_inactive"), None, ()),
    "reauthenticate": ("admin", lambda w: R("account_reauthenticate"), None, ()),
    "two-factor reauthenticate": ("admin", lambda w: R("mfa_reauthenticate"), None, ()),
    "passkeys": ("admin", lambda w: R("mfa_list_webauthn"), None, ()),
    "password reset sent": ("admin", lambda w: R("account_reset_password_done"), None, ()),
    "password reset done": ("admin", lambda w: R("account_reset_password_from_key_done"), None, ()),
    "sign out": ("admin", lambda w: R("account_logout"), None, ()),
}

# Routes that are no page of their own, and why; the coverage test keeps this list honest.
NOT_PAGES: dict[str, str] = {
    **{name: "a file or data, not a page" for name in (
        "staff:members_export", "staff:members_import_template", "staff:survey_export", "staff:survey_paper_blank",
        "staff:survey_paper_wave", "staff:survey_paper_contacts_pdf", "staff:survey_report_status", "staff:survey_report_download",
        "staff:survey_excel_status", "staff:survey_excel_download",
        "staff:event_draw_export", "staff:pb_round_export", "staff:recruitment_batch_file_status",
        "staff:recruitment_batch_file_download", "events:file", "events:ticket_qr", "events:ticket_calendar",
        "budgeting:image", "budgeting:pabulib", "budgeting:resident_data", "publishing:feed", "members:data_json",
        "members:data_csv", "council_brand_css", "council_logo", "healthz", "mfa_download_recovery_codes")},
    **{name: "the read API: JSON for programs" for name in (
        "api_v1:openapi-json", "api_v1:api-root", "api_v1:surveys", "api_v1:survey", "api_v1:events",
        "api_v1:rounds", "api_v1:composition", "api_v1:results", "api_v1:results_survey",
        "api_v1:open_results_json", "api_v1:open_results_csv")},
    **{name: "a form's POST target: answers with a redirect to a page in the sweep" for name in (
        "set_language", "members:logout", "staff:members_invite", "staff:member_status", "staff:member_invite",
        "staff:outreach_mailing_cancel", "staff:newsletter_test", "staff:newsletter_cancel",
        "staff:newsletter_delete", "staff:survey_from_template", "staff:survey_action", "staff:survey_page_action",
        "staff:survey_question_action", "staff:survey_audience_create", "staff:survey_wave_cancel",
        "staff:event_session_delete", "staff:event_question_delete", "staff:event_seat_decline", "staff:event_seat_invite_extra",
        "staff:event_session_cancel", "staff:event_attendance", "staff:event_no_shows", "staff:pb_round_stage",
        "staff:pb_round_count", "staff:pb_idea_screen", "staff:pb_project_sketch", "staff:pb_project_update",
        "staff:pb_paper_decide", "staff:pb_codes", "staff:recruitment_campaign_plan",
        "staff:recruitment_extract_delete", "staff:recruitment_plan_batch", "staff:recruitment_batch_file", "staff:settings_district_move",
        "staff:settings_question_move", "staff:settings_option_move", "staff:settings_population_upload",
        "staff:api_token_revoke", "events:withdraw", "events:seat_answer", "budgeting:resident_updates",
        "budgeting:resident_erase")},
    **{name: "closed or not used: staff accounts are made by administrators, allauth only redirects" for name in (
        "account_signup", "account_set_password", "account_confirm_login_code", "account_confirm_email")},
    **{name: "needs a fresh reauthentication or a state only a key can make; its pages are in the sweep" for name in (
        "mfa_activate_totp", "mfa_deactivate_totp", "mfa_view_recovery_codes", "mfa_generate_recovery_codes",
        "mfa_add_webauthn", "mfa_reauthenticate_webauthn", "mfa_remove_webauthn", "mfa_edit_webauthn")},
    "account_reset_password_from_key": "reached only through the key in a password-reset e-mail (allauth's own form)",
}

# Pages reached only through another route of the table (a link that is a key redirects to an
# address without it; the staff login's second step): covered when that route is.
REACHED_THROUGH: dict[str, str] = {
    "members:confirm_continue": "members:confirm",
    "members:login_continue": "members:login_token",
    "outreach:unsubscribe_continue": "outreach:unsubscribe",
    "surveys:answer_session": "surveys:answer",
    "events:mine": "events:link",
    "recruitment:letter_signup": "recruitment:code_link",
    "budgeting:resident_confirm_continue": "budgeting:resident_confirm",
    "mfa_authenticate": "account_login",
}
