/**
 * Lambda's own constants and quotas, each named once: the Invoke API, the Runtime API, the stream
 * relay and the log lines read them from here (docs/invoke-api.md, docs/execution-context.md).
 */

/** The only version that exists locally: no published versions, no aliases. */
export const LATEST_VERSION = '$LATEST';

/** A synchronous invocation's request and response payload (6 MB). */
export const MAX_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;

/** An asynchronous (Event) invocation's payload, and a streamed invocation's request (256 KB). */
export const MAX_EVENT_PAYLOAD_BYTES = 256 * 1024;

/** A streamed response is sent at full speed for its first 6 MB, then at about 2 MB/s. */
export const STREAM_BURST_BYTES = 6 * 1024 * 1024;
export const STREAM_BYTES_PER_SECOND = 2 * 1024 * 1024;

/** X-Amz-Log-Result carries the last 4 KB of an invocation's log. */
export const LOG_TAIL_BYTES = 4096;

/** Longest log line passed on whole (CloudWatch Logs' event limit, 256 KB); a longer one comes in pieces. */
export const MAX_LOG_LINE_CHARS = 256 * 1024;

/** Lambda's sandbox user (sbx_user1051) and group: the function runs as them, not as root. */
export const SANDBOX_UID = 993;
export const SANDBOX_GID = 990;

/** A function's code and all its layers, unzipped (250 MB). */
export const MAX_UNZIPPED_CODE_BYTES = 250 * 1024 * 1024;
/** A zipped deployment package uploaded directly, not through S3 (50 MB). */
export const MAX_ZIPPED_UPLOAD_BYTES = 50 * 1024 * 1024;
