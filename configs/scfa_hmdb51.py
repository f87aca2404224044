# Kept at this path for the commands already given to users
# (tools/dist_train.sh configs/scfa_hmdb51.py 4): the same config as
# scfa/scfa_r50_4xb16-100e_hmdb51.py, which new commands should name. Its
# work directory stays work_dirs/scfa_hmdb51/.
_base_ = ['./scfa/scfa_r50_4xb16-100e_hmdb51.py']
