# engine: the emulation of docs/tools.md (prompt rendering, tool-call parser,
# stop sequences, max_tokens cut, JSON cleaning, the per-choice pipeline)
librelay_a_SOURCES += \
	src/engine/answer.c src/engine/answer.h \
	src/engine/jsonx.c src/engine/jsonx.h \
	src/engine/render.c src/engine/render.h \
	src/engine/stopmatch.c src/engine/stopmatch.h \
	src/engine/tokcut.c src/engine/tokcut.h \
	src/engine/toolparse.c src/engine/toolparse.h

