"""Every feature's router, mounted by create_app(). Add a feature by adding a line."""

from __future__ import annotations

from fastapi import APIRouter


def feature_routers() -> list[APIRouter]:
    """Imported lazily so that importing the web package stays cheap."""
    from puerta.accounts import pages as accounts_pages
    from puerta.accounts import second_factor_pages, second_factor_views, staff_pages
    from puerta.accounts import views as accounts_views
    from puerta.arrivals import disposition_pages, disposition_views
    from puerta.arrivals import pages as arrivals_pages
    from puerta.arrivals import views as arrivals_views
    from puerta.audit import pages as audit_pages
    from puerta.confirmation import check_views
    from puerta.confirmation import views as confirmation_views
    from puerta.dashboards import pages as dashboards_pages
    from puerta.draw import pages as draw_pages
    from puerta.draw import views as draw_views
    from puerta.findings import pages as findings_pages
    from puerta.findings import views as findings_views
    from puerta.journey import pages as journey_pages
    from puerta.journey import photo_pages
    from puerta.journey import views as journey_views
    from puerta.partners import views as partners_views
    from puerta.ports import views as ports_views
    from puerta.pow import views as pow_views
    from puerta.registration import pages as registration_pages
    from puerta.registration import views as registration_views
    from puerta.requests import views as requests_views
    from puerta.web import home

    # The API first: Starlette tries routes in order, and the rush's calls are API calls;
    # the pages (fewer requests, and a catch-all ``/registrations/{id}/{action}``) after.
    return [
        pow_views.router,
        accounts_views.router,
        registration_views.router,
        journey_views.router,
        journey_views.requests_router,
        requests_views.router,
        confirmation_views.router,
        check_views.router,
        ports_views.router,
        arrivals_views.router,
        draw_views.router,
        draw_views.entry_router,
        findings_views.router,
        partners_views.router,
        partners_views.admin_router,
        partners_views.handover_router,
        second_factor_views.router,  # #14 second factor: a staff session's code over the API
        disposition_views.router,  # #14 dispositions: check-in, dispositions, day summary
        home.router,
        accounts_pages.router,
        registration_pages.router,
        draw_pages.router,
        check_views.pages,
        staff_pages.router,  # #14: the staff's door; the staff pages follow
        second_factor_pages.router,  # #14 second factor: the code, enrolment, re-auth
        audit_pages.router,  # #14 second factor: the audit trail's page (admins)
        disposition_pages.router,  # #14 dispositions: process an arrival, the day summary
        arrivals_pages.router,  # #14 officers' console: arrivals, look-up, photos, briefing
        dashboards_pages.router,  # #14 dashboards
        findings_pages.router,  # #14 findings workbench: the analysts' queue, detail, appeals
        photo_pages.router,  # before the journey's catch-all /registrations/{id}/{action}
        journey_pages.router,
    ]
