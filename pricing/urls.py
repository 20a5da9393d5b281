from django.urls import path

from . import views

app_name = "pricing"
urlpatterns = [
    path("", views.PriceListView.as_view(), name="index"),
    path("lists/<int:pk>/", views.PriceListItemsView.as_view(), name="list_detail"),
    path("lists/<int:pk>/changes/", views.PriceListChangesView.as_view(), name="list_changes"),
    path("upload/", views.upload, name="upload"),
    path("uploads/<int:pk>/", views.upload_detail, name="upload_detail"),
    path("uploads/<int:pk>/status/", views.upload_status, name="upload_status"),
    path("uploads/<int:pk>/bad-rows.csv", views.upload_errors, name="upload_errors"),
    path("uploads/<int:pk>/publish/", views.upload_publish, name="upload_publish"),
    path("uploads/<int:pk>/discard/", views.upload_discard, name="upload_discard"),
    path("uploads/<int:pk>/columns/", views.upload_remap, name="upload_remap"),
    path("offers/", views.OfferView.as_view(), name="offers"),
    path("catalog/", views.CatalogView.as_view(), name="catalog"),
    path("catalog/new/", views.product_create, name="product_create"),
    path("catalog/<int:pk>/", views.ProductOffersView.as_view(), name="product_detail"),
    path("catalog/<int:pk>/edit/", views.product_update, name="product_update"),
    path("mapping/", views.MappingView.as_view(), name="mapping"),
    path("mapping/set/", views.mapping_set, name="mapping_set"),
    path("mapping/<int:pk>/delete/", views.mapping_delete, name="mapping_delete"),
    path("compare/", views.CompareView.as_view(), name="compare"),
]
