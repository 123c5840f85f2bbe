from django.shortcuts import render

from payvand.core import countries
from payvand.dashboard.selectors import dashboard_for


def home(request):
    board = dashboard_for(request.user)
    if board.platform:
        for row in board.platform["orgs_by_country"]:
            row["name"] = countries.country_name(row["country"])
    return render(request, "dashboard/home.html", {"board": board})
