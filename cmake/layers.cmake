# The folders of src/ and the folders each may use (include and link), after
# ../shared/docs/LAYOUT.md. Order: a folder comes after everything it uses.
#   recover → observe: recover/view is the one observe → graph → diagnose pipeline.
#   model → observe is not allowed: the model is built from an Observation (probe/observation.h).
set(STACKDR_LAYERS util host probe topology observe model diagnose store coord recover sim drill operate watch cli)
set(STACKDR_LAYER_DEPS_util "")
set(STACKDR_LAYER_DEPS_host util)
set(STACKDR_LAYER_DEPS_probe util)
set(STACKDR_LAYER_DEPS_topology util)
set(STACKDR_LAYER_DEPS_observe probe host topology util)
set(STACKDR_LAYER_DEPS_model probe topology util)
set(STACKDR_LAYER_DEPS_diagnose model util)
set(STACKDR_LAYER_DEPS_store util)
# coord: leader election through etcd (fleet of daemons); it knows nothing of the stack.
set(STACKDR_LAYER_DEPS_coord util)
set(STACKDR_LAYER_DEPS_recover diagnose model store host observe probe topology util)
set(STACKDR_LAYER_DEPS_operate recover diagnose model store host observe probe topology util)
set(STACKDR_LAYER_DEPS_sim host probe topology util)
set(STACKDR_LAYER_DEPS_drill sim recover diagnose model observe store host probe topology util)
set(STACKDR_LAYER_DEPS_watch coord operate recover diagnose model observe store host probe topology util)
set(STACKDR_LAYER_DEPS_cli coord operate watch drill recover diagnose model observe sim store host probe topology util)
