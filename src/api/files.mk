# issue 14: image variations and edits, the files API, documents in chat
librelay_a_SOURCES += \
	src/api/images_edit.c
