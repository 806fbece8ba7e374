// The AWS SDK for JavaScript v3 comes with the runtime, as on Lambda (no node_modules here), and
// the context has this host's AWS credentials. Point it at LocalStack with AWS_ENDPOINT_URL.
import { S3Client, ListBucketsCommand } from '@aws-sdk/client-s3';

const s3 = new S3Client({});

export const handler = async () => {
  const credentials = await s3.config.credentials().catch(() => null);
  const out = { region: await s3.config.region(), hasCredentials: Boolean(credentials?.accessKeyId) };
  if (process.env.AWS_ENDPOINT_URL) out.buckets = (await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name);
  return out;
};
