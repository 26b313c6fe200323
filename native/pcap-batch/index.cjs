'use strict';
// The compiled addon (node-gyp puts it in build/Release). Loading fails cleanly when it was not built
// (no libpcap-dev or no compiler): torwatch then falls back to the `cap` backend or says why it cannot.
module.exports = require('./build/Release/pcap_batch.node');
