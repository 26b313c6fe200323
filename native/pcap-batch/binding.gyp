{
  "targets": [
    {
      "target_name": "pcap_batch",
      "sources": ["src/pcap_batch.cc", "src/drop_caps.cc"],
      "defines": ["NAPI_VERSION=8"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra", "-fno-exceptions"],
      "libraries": ["-lpcap", "-lpthread"]
    }
  ]
}
