{
  "targets": [
    {
      "target_name": "steerling_native",
      "sources": [
        "native/napi/addon.cc",
        "native/napi/system_napi.cc",
        "native/napi/matmul_napi.cc",
        "native/napi/attention_napi.cc",
        "native/napi/rowops_napi.cc",
        "native/napi/eltwise_napi.cc",
        "native/napi/decode_napi.cc",
        "native/src/threadpool.cc",
        "native/src/cpu.cc",
        "native/src/gemm.cc",
        "native/src/gemm_kit_generic.cc",
        "native/src/gemm_kit_avx2.cc",
        "native/src/gemm_kit_avx512.cc",
        "native/src/attention.cc",
        "native/src/rowops.cc",
        "native/src/eltwise.cc",
        "native/src/bandwidth.cc",
        "native/src/hugepages.cc",
        "native/src/decode_plan.cc",
        "native/src/decode_step.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "native/include", "native/src"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions", "-O2"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-O2", "-std=gnu++17"],
      "cflags": ["-O3", "-fexceptions"],
      "cflags_cc": ["-O3", "-std=c++17", "-fexceptions", "-fno-math-errno", "-pthread"],
      "ldflags": ["-pthread"]
    }
  ]
}
