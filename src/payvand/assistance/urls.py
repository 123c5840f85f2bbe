from django.urls import path

from payvand.assistance import views

app_name = "assistance"
urlpatterns = [
    path("<uuid:case_id>/assistance/", views.entry_list, name="entry_list"),
    path("<uuid:case_id>/assistance/new/", views.entry_add, name="entry_add"),
    path("<uuid:case_id>/notes/", views.note_list, name="note_list"),
    path("<uuid:case_id>/notes/new/", views.note_add, name="note_add"),
    path("<uuid:case_id>/notes/<uuid:note_id>/correct/", views.note_correct, name="note_correct"),
    path("<uuid:case_id>/tasks/", views.task_list, name="task_list"),
    path("<uuid:case_id>/tasks/new/", views.task_add, name="task_add"),
    path("<uuid:case_id>/tasks/<uuid:task_id>/done/", views.task_done, name="task_done"),
    path("<uuid:case_id>/tasks/<uuid:task_id>/reopen/", views.task_reopen, name="task_reopen"),
    path("tasks/overdue/", views.tasks_overdue, name="tasks_overdue"),
]
