from django.urls import path

from . import views

app_name = "cabinet"
urlpatterns = [
    path("requests/", views.rfq_list, name="rfq_list"),
    path("requests/new/", views.rfq_create, name="rfq_create"),
    path("requests/<int:pk>/", views.rfq_detail, name="rfq_detail"),
    path("requests/<int:pk>/quote/", views.rfq_quote, name="rfq_quote"),
    path("requests/<int:pk>/decline/", views.rfq_decline, name="rfq_decline"),
    path("requests/<int:pk>/cancel/", views.rfq_cancel, name="rfq_cancel"),
    path("requests/<int:pk>/comments/", views.rfq_comment, name="rfq_comment"),
    path("quotes/<int:pk>/accept/", views.quote_accept, name="quote_accept"),
    path("orders/", views.order_list, name="order_list"),
    path("orders/new/", views.order_create, name="order_create"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("orders/<int:pk>/transition/", views.order_transition, name="order_transition"),
    path("orders/<int:pk>/comments/", views.order_comment, name="order_comment"),
    path("orders/<int:pk>/documents/", views.order_documents, name="order_documents"),
    path("orders/<int:pk>/complaint/", views.complaint_create, name="complaint_create"),
    path("complaints/", views.complaint_list, name="complaint_list"),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint_detail"),
    path("complaints/<int:pk>/answer/", views.complaint_answer, name="complaint_answer"),
    path("complaints/<int:pk>/resolve/", views.complaint_resolve, name="complaint_resolve"),
    path("proposals/", views.proposal_list, name="proposal_list"),
    path("proposals/new/", views.proposal_create, name="proposal_create"),
    path("proposals/<int:pk>/decide/", views.proposal_decide, name="proposal_decide"),
    path("documents/<int:pk>/", views.document_download, name="document_download"),
]
