# SCFA, self-supervised, on HMDB51 split 1: positives are only the other
# views of the same video (instance discrimination); labels reach only the
# online linear probe, which is trained on detached features.
_base_ = './scfa_hmdb51.py'

model = dict(positives='video')
