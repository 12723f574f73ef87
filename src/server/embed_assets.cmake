# flowlens_embed_assets(TARGET DIR)
#   Adds to TARGET a generated C++ source holding every file under DIR as an
#   EmbeddedAsset (server/static_assets.h). The table is regenerated at build time
#   whenever a file under DIR changes (the file list is re-globbed at configure time,
#   CONFIGURE_DEPENDS). When DIR is absent, the table holds one placeholder index.html
#   saying the dashboard was not built.
set(FLOWLENS_EMBED_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/embed_assets_gen.cmake)

function(flowlens_embed_assets target dir)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${target}_embedded_assets.cc)
  set(deps ${FLOWLENS_EMBED_SCRIPT})
  if(IS_DIRECTORY ${dir})
    file(GLOB_RECURSE files CONFIGURE_DEPENDS ${dir}/*)
    list(APPEND deps ${files})
  endif()
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DDIR=${dir} -DOUT=${out} -P ${FLOWLENS_EMBED_SCRIPT}
    DEPENDS ${deps}
    COMMENT "Embedding web assets from ${dir}"
    VERBATIM)
  target_sources(${target} PRIVATE ${out})
endfunction()
