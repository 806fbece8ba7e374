// Allocates event.mb MB (in 8 MB buffers, every page written) and keeps it.
const kept = [];

exports.handler = async (event) => {
  const mb = event.mb ?? 8;
  for (let done = 0; done < mb; done += 8) kept.push(Buffer.alloc(8 * 1024 * 1024, 1));
  return { allocatedMb: kept.length * 8 };
};
