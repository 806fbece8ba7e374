/** The AWS account id of every ARN this orchestrator hands out (AWS::AccountId in templates). */
export const LOCAL_ACCOUNT_ID = '000000000000';
