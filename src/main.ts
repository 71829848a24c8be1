process.stdout.write('portcullis\n');
