console.log(
  'mesibo-serverless: the local stack is being assembled; run `npm run emulator` for the mesibo emulator.',
);
