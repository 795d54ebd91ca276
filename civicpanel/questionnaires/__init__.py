"""The one questionnaire model that survey questions and event registration questions share:
the question's fields (models.py), its kinds and how answers are read, checked and shown
(kinds.py), the builder's form for a question of any kind (forms.py), and the answering markup
(templates/questionnaires/_question.html). Surveys add pages and display conditions, events the
volunteer form; neither keeps a form builder of its own."""
