# issue 14: image variations and edits, the files API, documents in chat
librelay_a_SOURCES += \
	src/api/images_edit.c \
	src/api/files.c src/api/files.h
librelay_a_SOURCES += \
	src/onemin/kvstore.c src/onemin/kvstore.h
librelay_a_SOURCES += \
	src/codec/doctype.c src/codec/doctype.h
librelay_a_SOURCES += \
	src/onemin/document.c src/onemin/document.h \
	src/api/docparts.c src/api/docparts.h
