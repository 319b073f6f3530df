"""Uploads every file under a directory to s3://$RESULTS_BUCKET/<prefix>/ (boto3; IRSA credentials).

Usage: python3 upload.py <dir> <prefix>. Prints "RESULTS s3://<bucket>/<prefix>", which
`npm run proof` reads to fetch the results; exits 1 when there is nothing to upload.
"""

import os
import sys

import boto3

root, prefix = sys.argv[1], sys.argv[2].strip("/")
bucket = os.environ["RESULTS_BUCKET"]
s3 = boto3.client("s3", region_name=os.environ.get("AWS_REGION"))
count = 0
for directory, _, files in os.walk(root):
    for name in sorted(files):
        path = os.path.join(directory, name)
        key = "%s/%s" % (prefix, os.path.relpath(path, root))
        with open(path, "rb") as body:
            s3.put_object(Bucket=bucket, Key=key, Body=body)
        print("uploaded s3://%s/%s" % (bucket, key), flush=True)
        count += 1
if count == 0:
    sys.exit("no result files under %s to upload" % root)
print("RESULTS s3://%s/%s" % (bucket, prefix), flush=True)
