"""The declared role x route matrix, and what every route must hold besides.

MATRIX names every URL of the install and who may use it:
  "public"   anyone (token links included);
  "member"   a resident logged in to self-service (others are sent to /me/login/);
  "allauth"  the staff login, password and second-factor pages of django-allauth;
  "A", "M", "N" letters: the staff roles that may use it (admin, manager, analyst); the other
             roles get 403, anonymous visitors are sent to the staff login.
A route added to the URL table and missing here fails `test_every_route_is_declared`: add it,
with who may use it, and the walks below (GET and POST per role, CSRF, no GET that writes,
council-scoped queries) cover it from then on.
"""

MATRIX: dict[str, str] = {
    'set_language': 'public',
    'account_login': 'allauth',
    'account_logout': 'allauth',
    'account_inactive': 'allauth',
    'account_signup': 'allauth',
    'account_reauthenticate': 'allauth',
    'account_email': 'allauth',
    'account_email_verification_sent': 'allauth',
    'account_change_password': 'allauth',
    'account_set_password': 'allauth',
    'account_reset_password': 'allauth',
    'account_confirm_login_code': 'allauth',
    'account_confirm_email': 'allauth',
    'account_reset_password_from_key_done': 'allauth',
    'account_reset_password_from_key': 'allauth',
    'account_reset_password_done': 'allauth',
    'mfa_index': 'allauth',
    'mfa_authenticate': 'allauth',
    'mfa_reauthenticate': 'allauth',
    'mfa_activate_totp': 'allauth',
    'mfa_deactivate_totp': 'allauth',
    'mfa_view_recovery_codes': 'allauth',
    'mfa_generate_recovery_codes': 'allauth',
    'mfa_download_recovery_codes': 'allauth',
    'mfa_list_webauthn': 'allauth',
    'mfa_add_webauthn': 'allauth',
    'mfa_reauthenticate_webauthn': 'allauth',
    'mfa_remove_webauthn': 'allauth',
    'mfa_edit_webauthn': 'allauth',
    'staff:staff': 'A',
    'staff:staff_add': 'A',
    'staff:staff_edit': 'A',
    'staff:audit': 'A',
    'staff:members': 'AM',
    'staff:members_export': 'AM',
    'staff:members_invite': 'AM',
    'staff:members_import': 'AM',
    'staff:members_import_template': 'AM',
    'staff:member_detail': 'AM',
    'staff:member_status': 'AM',
    'staff:member_edit': 'AM',
    'staff:member_invite': 'AM',
    'staff:outreach_messages': 'AM',
    'staff:outreach_message_edit': 'AM',
    'staff:outreach_mailings': 'AM',
    'staff:outreach_mailing': 'AM',
    'staff:outreach_mailing_cancel': 'AM',
    'staff:newsletters': 'AM',  # /staff/newsletters/
    'staff:newsletter_create': 'AM',  # /staff/newsletters/new/
    'staff:newsletter': 'AM',  # /staff/newsletters/<int:newsletter_id>/
    'staff:newsletter_edit': 'AM',  # /staff/newsletters/<int:newsletter_id>/edit/
    'staff:newsletter_test': 'AM',  # /staff/newsletters/<int:newsletter_id>/test/
    'staff:newsletter_confirm': 'AM',  # /staff/newsletters/<int:newsletter_id>/send/
    'staff:newsletter_cancel': 'AM',  # /staff/newsletters/<int:newsletter_id>/cancel/
    'staff:newsletter_delete': 'AM',  # /staff/newsletters/<int:newsletter_id>/delete/
    'staff:surveys': 'AMN',
    'staff:survey_create': 'AM',
    'staff:survey_from_template': 'AM',
    'staff:survey_detail': 'AM',
    'staff:survey_edit': 'AM',
    'staff:survey_purpose': 'AM',
    'staff:survey_report': 'AMN',
    'staff:survey_report_status': 'AMN',
    'staff:survey_report_download': 'AMN',
    'staff:survey_preview': 'AM',
    'staff:survey_action': 'AM',
    'staff:survey_page_edit': 'AM',
    'staff:survey_page_action': 'AM',
    'staff:survey_question_create': 'AM',
    'staff:survey_question_edit': 'AM',
    'staff:survey_question_action': 'AM',
    'staff:survey_send': 'AM',
    'staff:survey_audience': 'AM',  # /staff/surveys/for/<slug:key>/<str:value>/
    'staff:survey_audience_create': 'AM',  # /staff/surveys/for/<slug:key>/<str:value>/new/
    'staff:survey_remind': 'AM',
    'staff:survey_wave_cancel': 'AM',
    'staff:survey_progress': 'AMN',
    'staff:survey_results': 'AMN',
    'staff:survey_representativeness': 'AMN',
    'staff:survey_excel': 'AMN',
    'staff:survey_excel_status': 'AMN',
    'staff:survey_excel_download': 'AMN',
    'staff:survey_export': 'AMN',
    'staff:survey_publish': 'AM',  # /staff/surveys/<int:survey_id>/publish/
    'staff:survey_feedback': 'AM',  # /staff/surveys/<int:survey_id>/feedback/
    'staff:survey_paper': 'AM',  # /staff/surveys/<int:survey_id>/paper/
    'staff:survey_paper_blank': 'AM',  # /staff/surveys/<int:survey_id>/paper/questionnaire.pdf
    'staff:survey_paper_wave': 'AM',  # /staff/surveys/<int:survey_id>/paper/waves/<int:wave_id>.pdf
    'staff:survey_paper_contacts': 'AM',  # /staff/surveys/<int:survey_id>/paper/waves/<int:wave_id>/list/
    'staff:survey_paper_contacts_pdf': 'AM',  # /staff/surveys/<int:survey_id>/paper/waves/<int:wave_id>/list.pdf
    'staff:survey_paper_enter': 'AM',  # /staff/surveys/<int:survey_id>/paper/enter/
    'staff:survey_paper_resolve': 'AM',  # /staff/surveys/<int:survey_id>/paper/resolve/<int:invitation_id>/
    'staff:api_tokens': 'A',  # /staff/settings/api/
    'staff:api_token_revoke': 'A',  # /staff/settings/api/<int:token_id>/revoke/
    'staff:pb_rounds': 'AM',
    'staff:pb_round_create': 'AM',
    'staff:pb_round': 'AM',
    'staff:pb_round_edit': 'AM',
    'staff:pb_round_stage': 'AM',
    'staff:pb_round_count': 'AM',
    'staff:pb_ideas': 'AM',
    'staff:pb_idea_screen': 'AM',
    'staff:pb_project_create': 'AM',
    'staff:pb_project': 'AM',
    'staff:pb_project_sketch': 'AM',
    'staff:pb_project_update': 'AM',
    'staff:pb_paper': 'AM',
    'staff:pb_paper_decide': 'AM',
    'staff:pb_codes': 'AM',
    'staff:home': 'AMN',
    'staff:representativeness': 'AMN',
    'staff:recruitment': 'AMN',
    'staff:recruitment_campaign': 'AMN',
    'staff:recruitment_campaign_plan': 'AM',
    'staff:recruitment_extract_upload': 'AM',
    'staff:recruitment_extract': 'AM',
    'staff:recruitment_extract_delete': 'AM',
    'staff:recruitment_batch': 'AM',
    'staff:recruitment_batch_file': 'AM',
    'staff:recruitment_batch_file_status': 'AM',
    'staff:recruitment_batch_file_download': 'AM',
    'staff:recruitment_health': 'AMN',
    'staff:recruitment_plan_batch': 'AM',
    'staff:recruitment_settings': 'A',
    'staff:settings': 'A',
    'staff:settings_general': 'A',
    'staff:settings_districts': 'A',
    'staff:settings_district': 'A',
    'staff:settings_district_move': 'A',
    'staff:settings_profile': 'A',
    'staff:settings_profile_add': 'A',
    'staff:settings_question': 'A',
    'staff:settings_question_move': 'A',
    'staff:settings_option': 'A',
    'staff:settings_option_move': 'A',
    'staff:settings_consent': 'A',
    'staff:settings_population': 'A',
    'staff:settings_population_upload': 'A',
    'staff:settings_population_question': 'A',
    'staff:settings_campaigns': 'A',
    'surveys:answer_session': 'public',
    'surveys:answer': 'public',
    'outreach:unsubscribe_continue': 'public',
    'outreach:unsubscribe': 'public',
    'budgeting:rounds': 'public',
    'budgeting:built': 'public',
    'budgeting:image': 'public',
    'budgeting:round': 'public',
    'budgeting:ideas': 'public',
    'budgeting:idea_new': 'public',
    'budgeting:projects': 'public',
    'budgeting:vote': 'public',
    'budgeting:results': 'public',
    'budgeting:my': 'public',
    'home': 'public',
    'publishing:site': 'public',  # /results/
    'publishing:feed': 'public',  # /results/feed/
    'publishing:survey': 'public',  # /results/<int:survey_id>/ (404 until published)
    'privacy': 'public',
    'accessibility': 'public',
    'healthz': 'public',
    'council_brand_css': 'public',
    'council_logo': 'public',
    'recruitment:code_entry': 'public',
    'recruitment:letter_signup': 'public',
    'recruitment:code_link': 'public',
    'members:signup': 'public',
    'members:signup_sent': 'public',
    'members:confirm_continue': 'public',
    'members:confirm': 'public',
    'members:login': 'public',
    'members:login_sent': 'public',
    'members:login_continue': 'public',
    'members:login_token': 'public',
    'members:logout': 'public',
    'members:home': 'member',
    'members:profile': 'member',
    'members:preferences': 'member',
    'members:data': 'member',
    'members:data_json': 'member',
    'members:data_csv': 'member',
    'members:consent': 'member',
    'members:leave': 'member',
    'members:left': 'public',
    'staff:events': 'AMN',  # /staff/events/
    'staff:event_create': 'AM',  # /staff/events/new/
    'staff:event_detail': 'AMN',  # /staff/events/<int:event_id>/
    'staff:event_edit': 'AM',  # /staff/events/<int:event_id>/edit/
    'staff:event_outcome': 'AM',  # /staff/events/<int:event_id>/outcome/
    'staff:event_feedback': 'AM',  # /staff/events/<int:event_id>/feedback/
    'staff:event_session_create': 'AM',  # /staff/events/<int:event_id>/sessions/new/
    'staff:event_session_edit': 'AM',  # /staff/events/<int:event_id>/sessions/<int:session_id>/
    'staff:event_session_delete': 'AM',  # /staff/events/<int:event_id>/sessions/<int:session_id>/delete/
    'staff:event_question_add': 'AM',  # /staff/events/<int:event_id>/questions/new/
    'staff:event_question_delete': 'AM',  # /staff/events/<int:event_id>/questions/<int:question_id>/delete/
    'staff:event_call': 'AM',  # /staff/events/<int:event_id>/call/
    'staff:event_draw': 'AM',  # /staff/events/<int:event_id>/draw/
    'staff:event_draw_export': 'AM',  # /staff/events/<int:event_id>/draw.csv
    'staff:event_seat_decline': 'AM',  # /staff/events/<int:event_id>/seats/<int:placement_id>/decline/
    'staff:event_seat_invite_extra': 'AM',  # /staff/events/<int:event_id>/sessions/<int:session_id>/invite-extra/
    'staff:event_session_cancel': 'AM',  # /staff/events/<int:event_id>/sessions/<int:session_id>/cancel/
    'staff:event_checkin': 'AM',  # /staff/events/<int:event_id>/sessions/<int:session_id>/checkin/
    'staff:event_attendance': 'AM',  # /staff/events/<int:event_id>/sessions/<int:session_id>/checkin/<int:placement_id>/
    'staff:event_no_shows': 'AM',  # /staff/events/<int:event_id>/sessions/<int:session_id>/no-shows/
    'staff:event_checkin_code': 'AM',  # /staff/events/<int:event_id>/checkin/<str:code>/
    'staff:pb_round_import': 'AM',  # /staff/pb/import/
    'staff:pb_round_export': 'AM',  # /staff/pb/<int:round_id>/pabulib/<slug:key>.pb
    'staff:pb_turnout': 'AMN',  # /staff/pb/<int:round_id>/turnout/
    'events:public': 'public',  # /events/<int:event_id>/
    'events:link': 'public',  # /events/p/<str:token>/
    'events:mine': 'public',  # /events/mine/<int:event_id>/ (the participant in the session)
    'events:withdraw': 'public',  # /events/mine/<int:event_id>/withdraw/
    'events:file': 'public',  # /events/mine/<int:event_id>/files/<int:number>/<slug:name>.csv
    'events:seat_answer': 'public',  # /events/mine/<int:event_id>/seats/<int:placement_id>/<slug:answer>/
    'events:ticket': 'public',  # /events/mine/<int:event_id>/seats/<int:placement_id>/
    'events:ticket_qr': 'public',  # /events/mine/<int:event_id>/seats/<int:placement_id>/qr.svg
    'events:ticket_calendar': 'public',  # /events/mine/<int:event_id>/seats/<int:placement_id>/calendar.ics
    'budgeting:resident_join': 'public',  # /pb/<int:round_id>/join/
    'budgeting:resident_confirm_continue': 'public',  # /pb/<int:round_id>/confirm/
    'budgeting:resident_access': 'public',  # /pb/<int:round_id>/access/
    'budgeting:resident_data': 'public',  # /pb/<int:round_id>/mine/data.json (the resident in the session)
    'budgeting:resident_updates': 'public',  # /pb/<int:round_id>/mine/updates/
    'budgeting:resident_erase': 'public',  # /pb/<int:round_id>/mine/erase/
    'budgeting:resident_confirm': 'public',  # /pb/<int:round_id>/confirm/<str:token>/
    'budgeting:pabulib': 'public',  # /pb/<int:round_id>/pabulib/<slug:key>.pb
    # The read API: no staff session and no cookies; a bearer token of the council (401 without).
    'api_v1:openapi-json': 'public',  # /api/v1/openapi.json
    'api_v1:api-root': 'public',  # /api/v1/ (nothing there: 404)
    'api_v1:surveys': 'public',  # /api/v1/surveys/
    'api_v1:survey': 'public',  # /api/v1/surveys/<int:survey_id>
    'api_v1:events': 'public',  # /api/v1/events/
    'api_v1:rounds': 'public',  # /api/v1/budgeting/rounds
    'api_v1:composition': 'public',  # /api/v1/panel/composition
    'api_v1:results': 'public',  # /api/v1/results/
    'api_v1:results_survey': 'public',  # /api/v1/results/<int:survey_id>
    'api_v1:open_results_json': 'public',  # /api/v1/open/results/<int:survey_id>.json (open data, no token)
    'api_v1:open_results_csv': 'public',  # /api/v1/open/results/<int:survey_id>.csv (open data, no token)
}
