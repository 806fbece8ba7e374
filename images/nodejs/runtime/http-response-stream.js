// @ts-check
/**
 * awslambda.HttpResponseStream (RIC: HttpResponseStream.js): the
 * application/vnd.awslambda.http-integration-response framing of a function URL's streamed
 * response: the JSON prelude (statusCode, headers, cookies), 8 NUL bytes, then the body.
 */
'use strict';

const METADATA_PRELUDE_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response';
const DELIMITER_LEN = 8;

class HttpResponseStream {
  /**
   * @param {any} underlyingStream the handler's responseStream
   * @param {unknown} prelude
   */
  static from(underlyingStream, prelude) {
    underlyingStream.setContentType(METADATA_PRELUDE_CONTENT_TYPE);
    // JSON cannot hold a raw NUL, so the delimiter is unambiguous
    const metadataPrelude = JSON.stringify(prelude);
    underlyingStream._onBeforeFirstWrite = (/** @type {(chunk: string | Uint8Array) => void} */ write) => {
      write(metadataPrelude);
      write(new Uint8Array(DELIMITER_LEN));
    };
    return underlyingStream;
  }
}

module.exports = { HttpResponseStream, METADATA_PRELUDE_CONTENT_TYPE };
