from django.urls import path

from archives.views import archive, cadre, exports, intake, material

app_name = "archives"

urlpatterns = [
    path("", archive.archive_list, name="list"),
    path("new/", archive.archive_create, name="create"),
    path("<int:pk>/", archive.archive_detail, name="detail"),
    path("<int:pk>/edit/", archive.archive_edit, name="edit"),
    path("<int:pk>/cadre/", archive.cadre_edit, name="cadre-edit"),
    path("<int:pk>/photo/", archive.cadre_photo, name="photo"),
    path("<int:pk>/cadre/<str:section>/", cadre.cadre_section, name="cadre-section"),
    path("<int:pk>/materials/new/", material.material_create, name="material-create"),
    path("<int:pk>/directory.xlsx", exports.directory_export, {"fmt": "xlsx"}, name="directory-xlsx"),
    path("<int:pk>/directory.pdf", exports.directory_export, {"fmt": "pdf"}, name="directory-pdf"),
    path("materials/<int:pk>/", material.material_detail, name="material"),
    path("materials/<int:pk>/edit/", material.material_edit, name="material-edit"),
    path("materials/<int:pk>/identify/", material.material_identify, name="material-identify"),
    path("materials/<int:pk>/return/", material.material_return, name="material-return"),
    path("materials/<int:pk>/file/", material.material_file, name="material-file"),
    path("materials/<int:pk>/move/", material.material_move, name="material-move"),
    path("materials/<int:pk>/withdraw/", material.material_withdraw, name="material-withdraw"),
    path("materials/<int:pk>/destroy/", material.material_destroy, name="material-destroy"),
    path("materials/<int:pk>/pages/", material.pages_upload, name="pages-upload"),
    path("intake/", intake.intake, name="intake"),
    path("intake/new/", intake.batch_create, name="batch-create"),
    path("intake/<int:pk>/", intake.batch_detail, name="batch"),
    path("intake/<int:pk>/identify-all/", intake.batch_identify_all, name="batch-identify-all"),
    path("intake/<int:pk>/file-all/", intake.batch_file_all, name="batch-file-all"),
    path("pending/", intake.pending, name="pending"),
    path("late-handover/", intake.late_handover, name="late-handover"),
    path("lookup/", intake.archive_lookup, name="lookup"),
    path("import/", exports.roster_import, name="import"),
    path("import/template.xlsx", exports.roster_template, name="import-template"),
]
